//! A DPoP key of one login and the session it creates: made when the login
//! starts, sealed in its pending-login cookie, then kept (sealed) with the
//! session's tokens for every refresh and API call.

use std::fmt;
use std::sync::Arc;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{DpopError, ProofKey};
use crate::jose::Algorithm;

/// The DPoP key of one login and of the session it creates
/// ([`ClientConfig::dpop_per_login`](crate::client::ClientConfig::dpop_per_login)).
///
/// It serializes to its algorithm and PKCS#8 document, so the private key
/// lives only where Sesame seals it: the pending-login cookie and the
/// session store's sealed values. Two `LoginKey`s are equal when their
/// thumbprints are. `Debug` shows the algorithm and the thumbprint only.
///
/// ```
/// use sesame_core::dpop::LoginKey;
/// use sesame_core::jose::Algorithm;
/// let key = LoginKey::generate(Algorithm::ES256)?;
/// let stored = serde_json::to_string(&key).unwrap();
/// let back: LoginKey = serde_json::from_str(&stored).unwrap();
/// assert_eq!(back.proof_key().thumbprint(), key.proof_key().thumbprint());
/// assert!(!format!("{key:?}").contains(&stored));
/// # Ok::<(), sesame_core::dpop::DpopError>(())
/// ```
#[derive(Clone)]
pub struct LoginKey(Arc<ProofKey>);

impl LoginKey {
    /// A fresh key for `alg` (ES256 or EdDSA). The key pair is drawn from
    /// the operating system's generator, as ring generates keys no other way.
    pub fn generate(alg: Algorithm) -> Result<Self, DpopError> {
        Ok(Self(Arc::new(ProofKey::generate(alg)?)))
    }

    /// The key that signs this login's proofs.
    pub fn proof_key(&self) -> &Arc<ProofKey> {
        &self.0
    }
}

impl PartialEq for LoginKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.thumbprint() == other.0.thumbprint()
    }
}

impl Eq for LoginKey {}

impl fmt::Debug for LoginKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LoginKey").field(&self.0).finish()
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    alg: String,
    k: String,
}

impl Serialize for LoginKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let pkcs8 = self
            .0
            .pkcs8()
            .ok_or_else(|| serde::ser::Error::custom("dpop key without its pkcs#8 document"))?;
        Stored {
            alg: self.0.algorithm().as_str().to_owned(),
            k: crate::base64url::encode(pkcs8.expose()),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LoginKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = Stored::deserialize(deserializer)?;
        let alg = Algorithm::parse(&stored.alg).map_err(|_| D::Error::custom("dpop key alg"))?;
        let der =
            crate::base64url::decode(&stored.k).ok_or_else(|| D::Error::custom("dpop key"))?;
        let key = ProofKey::from_pkcs8(alg, &der).map_err(|_| D::Error::custom("dpop key"))?;
        Ok(Self(Arc::new(key)))
    }
}
