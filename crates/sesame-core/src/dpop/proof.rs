//! The client side: a DPoP key and the proofs it signs (RFC 9449 §4).

use std::fmt;
use std::time::SystemTime;

use serde_json::{json, Map, Value};

use crate::jose::{Algorithm, JoseError, SigningKey};
use crate::random::Random;

/// Why a client could not make a proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DpopError {
    /// The algorithm cannot sign DPoP proofs here (ES256 and EdDSA can be
    /// generated; RS256 keys can be loaded).
    #[error("unsupported dpop algorithm")]
    UnsupportedAlgorithm,
    /// The private key was refused (wrong format or curve).
    #[error("invalid dpop key")]
    InvalidKey,
    /// The random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// Signing failed.
    #[error("dpop signing failed")]
    SigningFailed,
    /// The request's URI is not an absolute URL.
    #[error("request uri not absolute")]
    InvalidUri,
    /// The access token cannot stand in an `Authorization` header.
    #[error("access token is not a valid header value")]
    InvalidAccessToken,
}

impl From<crate::random::RandomError> for DpopError {
    fn from(_: crate::random::RandomError) -> Self {
        DpopError::Random
    }
}

fn from_jose(e: JoseError) -> DpopError {
    match e {
        JoseError::UnsupportedAlgorithm | JoseError::AlgorithmNotAllowed => {
            DpopError::UnsupportedAlgorithm
        }
        JoseError::InvalidSigningKey | JoseError::MalformedKey => DpopError::InvalidKey,
        _ => DpopError::SigningFailed,
    }
}

/// A PKCS#8 private key document, to store a [`ProofKey`] and load it with
/// [`ProofKey::from_pkcs8`]. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkcs8Document(Vec<u8>);

impl Pkcs8Document {
    /// The DER bytes. Call this only to store them somewhere safe.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Pkcs8Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pkcs8Document([redacted])")
    }
}

/// A client's DPoP key pair: it signs proofs, and its thumbprint is what
/// tokens get bound to. `Debug` shows the algorithm and the thumbprint,
/// never the private key.
pub struct ProofKey {
    key: SigningKey,
    jwk: Value,
    jkt: String,
    /// The key's PKCS#8 document, when it was generated or loaded from one
    /// (a [`LoginKey`](super::LoginKey) is stored through it).
    pkcs8: Option<Pkcs8Document>,
}

impl fmt::Debug for ProofKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProofKey")
            .field("alg", &self.key.algorithm())
            .field("jkt", &self.jkt)
            .finish_non_exhaustive()
    }
}

impl ProofKey {
    /// The algorithm of [`ProofKey::generate`]'s usual argument: ES256, the
    /// one every DPoP server supports.
    pub const DEFAULT_ALGORITHM: Algorithm = Algorithm::ES256;

    /// A fresh key for `alg`, ES256 ([`ProofKey::DEFAULT_ALGORITHM`]) or
    /// EdDSA, for as long as the process lives. To keep a key across
    /// restarts, use [`ProofKey::generate_pkcs8`].
    pub fn generate(alg: Algorithm) -> Result<Self, DpopError> {
        Ok(Self::generate_pkcs8(alg)?.0)
    }

    /// A fresh key for `alg` (ES256 or EdDSA) and its PKCS#8 document.
    pub fn generate_pkcs8(alg: Algorithm) -> Result<(Self, Pkcs8Document), DpopError> {
        if !matches!(alg, Algorithm::ES256 | Algorithm::EdDSA) {
            return Err(DpopError::UnsupportedAlgorithm);
        }
        let (key, pkcs8) = SigningKey::generate(alg, "dpop").map_err(from_jose)?;
        let mut key = Self::from_signing_key(key)?;
        key.pkcs8 = Some(Pkcs8Document(pkcs8.clone()));
        Ok((key, Pkcs8Document(pkcs8)))
    }

    /// A key from a PKCS#8 document: ES256, EdDSA or RS256.
    pub fn from_pkcs8(alg: Algorithm, pkcs8: &[u8]) -> Result<Self, DpopError> {
        if !matches!(alg, Algorithm::ES256 | Algorithm::EdDSA | Algorithm::RS256) {
            return Err(DpopError::UnsupportedAlgorithm);
        }
        let mut key =
            Self::from_signing_key(SigningKey::from_pkcs8(alg, pkcs8, "dpop").map_err(from_jose)?)?;
        key.pkcs8 = Some(Pkcs8Document(pkcs8.to_vec()));
        Ok(key)
    }

    /// A key from a JOSE signing key with a public half (not HS256).
    pub fn from_signing_key(key: SigningKey) -> Result<Self, DpopError> {
        let full = key.public_jwk().ok_or(DpopError::UnsupportedAlgorithm)?;
        // Only the members that name the key: no `kid`, `alg` or `use`,
        // which the proof's header states on its own.
        let members: &[&str] = match full.get("kty").and_then(Value::as_str) {
            Some("EC") => &["kty", "crv", "x", "y"],
            Some("OKP") => &["kty", "crv", "x"],
            Some("RSA") => &["kty", "n", "e"],
            _ => return Err(DpopError::UnsupportedAlgorithm),
        };
        let mut jwk = Map::new();
        for m in members {
            let v = full.get(*m).cloned().ok_or(DpopError::InvalidKey)?;
            jwk.insert((*m).to_owned(), v);
        }
        let jwk = Value::Object(jwk);
        let jkt = super::thumbprint(&jwk).map_err(|_| DpopError::InvalidKey)?;
        Ok(Self {
            key,
            jwk,
            jkt,
            pkcs8: None,
        })
    }

    /// The key's PKCS#8 document, when the key was generated
    /// ([`ProofKey::generate`]) or loaded from one ([`ProofKey::from_pkcs8`]);
    /// `None` for [`ProofKey::from_signing_key`].
    pub fn pkcs8(&self) -> Option<&Pkcs8Document> {
        self.pkcs8.as_ref()
    }

    /// The signature algorithm of the proofs.
    pub fn algorithm(&self) -> Algorithm {
        self.key.algorithm()
    }

    /// The public JWK, as the proofs' `jwk` header carries it.
    pub fn public_jwk(&self) -> &Value {
        &self.jwk
    }

    /// The key's RFC 7638 thumbprint: the `cnf.jkt` of tokens bound to it,
    /// and the `dpop_jkt` authorization request parameter.
    pub fn thumbprint(&self) -> &str {
        &self.jkt
    }

    /// A proof for one request (RFC 9449 §4.2): the `DPoP` header's value.
    ///
    /// * `htm`, `htu`: the request's method and URI (the query and the
    ///   fragment are left out of `htu`).
    /// * `now`: the `iat`.
    /// * `rng`: draws the 128-bit `jti`.
    /// * `access_token`: at a resource server, the access token the request
    ///   carries; the proof holds its hash (`ath`). `None` at the token endpoint.
    /// * `nonce`: the server's last `DPoP-Nonce`, if it asked for one.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use sesame_core::dpop::{ProofKey, ProofPolicy};
    /// use sesame_core::jose::Algorithm;
    /// use sesame_core::random::SeededRandom;
    ///
    /// let key = ProofKey::generate(Algorithm::EdDSA).unwrap();
    /// let token_endpoint: url::Url = "https://as.example.com/token".parse().unwrap();
    /// let now = SystemTime::now();
    /// let proof = key
    ///     .proof(&http::Method::POST, &token_endpoint, now, &SeededRandom::new(1), None, Some("n-1"))
    ///     .unwrap();
    ///
    /// // The authorization server requires nonces, and this one is current.
    /// let mut policy = ProofPolicy::default();
    /// policy.require_nonce = true;
    /// let checked = policy
    ///     .check(&proof, &http::Method::POST, &token_endpoint, now, None, |n| n == "n-1")
    ///     .unwrap();
    /// assert_eq!(checked.jkt(), key.thumbprint());
    /// ```
    pub fn proof(
        &self,
        htm: &http::Method,
        htu: &url::Url,
        now: SystemTime,
        rng: &dyn Random,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, DpopError> {
        let mut jti = [0u8; 16];
        rng.fill(&mut jti)?;
        let mut uri = htu.clone();
        uri.set_query(None);
        uri.set_fragment(None);

        let header = json!({
            "typ": super::PROOF_TYPE,
            "alg": self.key.algorithm().as_str(),
            "jwk": self.jwk,
        });
        let mut claims = Map::new();
        claims.insert("jti".into(), crate::base64url::encode(jti).into());
        claims.insert("htm".into(), htm.as_str().into());
        claims.insert("htu".into(), uri.as_str().into());
        claims.insert("iat".into(), crate::time::unix_seconds(now).into());
        if let Some(token) = access_token {
            claims.insert("ath".into(), super::ath(token).into());
        }
        if let Some(nonce) = nonce {
            claims.insert("nonce".into(), nonce.into());
        }
        let header = serde_json::to_vec(&header).map_err(|_| DpopError::SigningFailed)?;
        let payload = serde_json::to_vec(&claims).map_err(|_| DpopError::SigningFailed)?;
        self.key.sign_parts(&header, &payload).map_err(from_jose)
    }
}
