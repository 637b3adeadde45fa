//! The env contract of the server examples (`examples/authorization-server`,
//! `examples/sesame-demo`), so that several instances sign, verify, open
//! each other's cookies and share one state:
//!
//! * `SESAME_SIGNING_KEY_FILE` — a JSON JWK Set of private keys (RSA, EC
//!   P-256, Ed25519), each with a `kid`; the first key of each algorithm
//!   signs, the others are published (rotation).
//! * `SESAME_COOKIE_KEY` — base64url of 32 bytes, the key that seals the
//!   login form and login cookies.
//! * `SESAME_REDIS_URL` — a `redis://` URL, or a comma-separated list of
//!   node URLs for Redis Cluster (keys under `SESAME_REDIS_PREFIX`, default
//!   `sesame`).
//!
//! Without them, fresh keys are made at start-up (an RSA-2048 key for
//! RS256 ID tokens and a P-256 key for ES256 access tokens) and the state
//! stays in memory: right for one development instance, wrong for a fleet.

use std::sync::Arc;

use sesame_server::{MemoryStore, Store};

use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::seal::SealingKey;

/// Why the configured keys or store could not be used.
#[derive(Debug)]
pub struct KeyError(pub String);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The signing keys: `SESAME_SIGNING_KEY_FILE`, or fresh RS256 + ES256 keys.
pub fn signing_keys() -> Result<Vec<SigningKey>, KeyError> {
    match env("SESAME_SIGNING_KEY_FILE") {
        Some(path) => {
            let text = std::fs::read(&path)
                .map_err(|e| KeyError(format!("SESAME_SIGNING_KEY_FILE {path}: {e}")))?;
            SigningKey::set_from_jwks(&text)
                .map_err(|e| KeyError(format!("SESAME_SIGNING_KEY_FILE {path}: {e}")))
        }
        None => Ok(vec![
            fresh_rsa_key("rsa-1")?,
            fresh_key(Algorithm::ES256, "ec-1")?,
        ]),
    }
}

/// The cookie-sealing key: `SESAME_COOKIE_KEY`, or a fresh one.
pub fn cookie_key() -> Result<SealingKey, KeyError> {
    match env("SESAME_COOKIE_KEY") {
        Some(text) => SealingKey::from_base64(&text)
            .map_err(|_| KeyError("SESAME_COOKIE_KEY must be base64url of 32 bytes".into())),
        None => SealingKey::generate(&ring::rand::SystemRandom::new())
            .map(|(key, _)| key)
            .map_err(|_| KeyError("could not make a cookie key".into())),
    }
}

fn fresh_key(alg: Algorithm, kid: &str) -> Result<SigningKey, KeyError> {
    SigningKey::generate(alg, kid)
        .map(|(key, _)| key)
        .map_err(|e| KeyError(format!("could not make a {alg:?} key: {e}")))
}

/// A fresh RSA-2048 key for RS256.
pub fn fresh_rsa_key(kid: &str) -> Result<SigningKey, KeyError> {
    use rsa::pkcs8::EncodePrivateKey;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
        .map_err(|e| KeyError(format!("could not make an RSA key: {e}")))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|e| KeyError(format!("could not encode the RSA key: {e}")))?;
    SigningKey::from_pkcs8(Algorithm::RS256, der.as_bytes(), kid)
        .map_err(|e| KeyError(format!("could not load the RSA key: {e}")))
}

/// The authorization server's store: Redis when `SESAME_REDIS_URL` is set,
/// else in memory.
pub async fn store() -> Result<Arc<dyn Store>, KeyError> {
    Ok(match env("SESAME_REDIS_URL") {
        Some(url) => {
            let prefix = env("SESAME_REDIS_PREFIX").unwrap_or_else(|| "sesame".into());
            let store = sesame_redis::RedisStore::from_env_value(&url, &prefix)
                .await
                .map_err(|e| KeyError(format!("SESAME_REDIS_URL: {e}")))?;
            Arc::new(store)
        }
        None => Arc::new(MemoryStore::default()),
    })
}
