//! The keys of a `private_key_jwt` client, with rotation: one signs the
//! assertions, every one is published.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::error::ConfigError;
use crate::jose::{Algorithm, JwkSet, SigningKey};

/// The private keys of a `private_key_jwt` client (RFC 7523 §2.2): the
/// *current* key signs every assertion (its `kid` in the header), and the
/// public halves of all of them — the current key and the others, say the
/// next key before a switch or the previous one after it — make the JWK
/// Set the client publishes at its `jwks_uri` ([`public_jwks`](Self::public_jwks)).
///
/// A rotation is three configurations, each deployed once the one before
/// has been seen by the provider (a provider caches a `jwks_uri`; Sesame's
/// server refetches it when an assertion names a `kid` it lacks, others
/// may wait for the cache to expire):
///
/// 1. `AssertionKeys::new(old).publish(new)` — the new key is announced;
/// 2. `AssertionKeys::new(new).publish(old)` — the new key signs;
/// 3. `AssertionKeys::new(new)` — the old key is gone.
///
/// ```
/// use sesame_core::client::{AssertionKeys, ClientConfig};
/// use sesame_core::jose::{Algorithm, SigningKey};
/// let (current, _) = SigningKey::generate(Algorithm::ES256, "app-key-2").unwrap();
/// let (previous, _) = SigningKey::generate(Algorithm::ES256, "app-key-1").unwrap();
/// let keys = AssertionKeys::new(current).publish(previous);
/// let config = ClientConfig::new("my-app", "https://app.example.com/auth/op/callback".parse().unwrap())
///     .private_key_jwt_keys(keys);
/// // Serve this at https://app.example.com/jwks.json, the client's jwks_uri.
/// let jwks = config.public_jwks().unwrap();
/// assert_eq!(jwks["keys"][0]["kid"], "app-key-2");
/// assert_eq!(jwks["keys"][1]["kid"], "app-key-1");
/// assert!(jwks["keys"][0].get("d").is_none(), "public halves only");
/// ```
#[derive(Clone)]
pub struct AssertionKeys {
    current: Arc<SigningKey>,
    others: Vec<Arc<SigningKey>>,
}

impl fmt::Debug for AssertionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssertionKeys")
            .field("current", &self.current.kid())
            .field(
                "others",
                &self.others.iter().map(|k| k.kid()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl AssertionKeys {
    /// A set whose `current` key signs the assertions (and is published).
    pub fn new(current: SigningKey) -> Self {
        Self {
            current: Arc::new(current),
            others: Vec::new(),
        }
    }

    /// Publishes `key` too, without signing with it: the next key before
    /// the switch, or the previous one after it.
    pub fn publish(mut self, key: SigningKey) -> Self {
        self.others.push(Arc::new(key));
        self
    }

    /// The key that signs the assertions.
    pub fn current(&self) -> &SigningKey {
        &self.current
    }

    /// Every key, the current one first.
    pub fn keys(&self) -> impl Iterator<Item = &SigningKey> + '_ {
        std::iter::once(&*self.current).chain(self.others.iter().map(|k| &**k))
    }

    /// The public JWK Set of every key, the current one first
    /// (`{"keys": [...]}`, each with `kid`, `alg` and `use: sig`; no
    /// private part), to serve at the client's `jwks_uri`.
    pub fn public_jwks(&self) -> Value {
        let keys: Vec<Value> = self.keys().filter_map(SigningKey::public_jwk).collect();
        serde_json::json!({ "keys": keys })
    }

    /// The public keys as a [`JwkSet`] (to register them in process, as
    /// `sesame_server::RegisteredClient::private_key_jwt` takes).
    pub fn key_set(&self) -> JwkSet {
        JwkSet::from_keys(self.keys().filter_map(SigningKey::verifying_key).collect())
    }

    /// Checks that every key can be published (no shared-secret key) and
    /// that no two share a `kid`.
    pub fn check(&self) -> Result<(), ConfigError> {
        let keys: Vec<&SigningKey> = self.keys().collect();
        for (i, k) in keys.iter().enumerate() {
            if k.algorithm() == Algorithm::HS256 || k.public_jwk().is_none() {
                return Err(ConfigError::AssertionKeys("a key without a public half"));
            }
            if keys.iter().take(i).any(|other| other.kid() == k.kid()) {
                return Err(ConfigError::AssertionKeys("two keys share a kid"));
            }
        }
        Ok(())
    }
}
