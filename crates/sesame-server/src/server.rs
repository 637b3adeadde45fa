//! The authorization server: its configuration and key ring. The
//! endpoints are implemented beside it, one file each.

use sesame_core::jose::{JwkSet, SigningKey};

use crate::client_keys::ClientKeyCache;
use crate::config::{RegisteredClient, ServerConfig};
use crate::keys::SharedKeyRing;
use crate::KeyRingError;

/// The authorization server's protocol, free of HTTP frameworks and of
/// storage: [`authorize`](Self::authorize), [`approve`](Self::approve),
/// [`token`](Self::token), [`metadata`](Self::metadata), [`jwks`](Self::jwks).
/// [`AuthServerService`](crate::AuthServerService) puts it on the web.
#[derive(Debug)]
pub struct AuthorizationServer {
    pub(crate) config: ServerConfig,
    pub(crate) keys: SharedKeyRing,
    /// Key sets of clients registered by `jwks_uri`.
    pub(crate) client_keys: ClientKeyCache,
}

impl AuthorizationServer {
    /// A server signing everything with one `key` (ES256, EdDSA or
    /// RS256): access tokens, and ID tokens of every client that does not
    /// ask for another algorithm. OpenID clients expect RS256 ID tokens
    /// (OpenID Connect Core §15.1): give the server an RSA key too with
    /// [`with_keys`](Self::with_keys).
    ///
    /// The configuration is taken as it is: run [`ServerConfig::check`]
    /// first (as [`with_keys`](Self::with_keys) does). A client registered
    /// by `jwks_uri` without a fetcher would be refused at every
    /// authentication, with a warning.
    pub fn new(config: ServerConfig, key: SigningKey) -> Self {
        Self {
            client_keys: ClientKeyCache::new(config.client_keys_cache),
            config,
            keys: SharedKeyRing::new(vec![key]),
        }
    }

    /// A server with a key set — typically an RSA key for ID tokens and an
    /// EC key for access tokens. The first key of each algorithm signs;
    /// the others are published (rotation: [`activate_key`](Self::activate_key)).
    ///
    /// Fails when the configuration does not pass [`ServerConfig::check`]
    /// ([`KeyRingError::Config`]), when the set is empty, or when an algorithm the configuration
    /// signs with — [`ServerConfig::id_token_alg`],
    /// [`ServerConfig::access_token_alg`], a client's
    /// [`id_token_alg`](RegisteredClient::id_token_alg) — has no key.
    pub fn with_keys(config: ServerConfig, keys: Vec<SigningKey>) -> Result<Self, KeyRingError> {
        config.check()?;
        if keys.is_empty() {
            return Err(KeyRingError::Empty);
        }
        for (i, k) in keys.iter().enumerate() {
            if k.verifying_key().is_none() || k.algorithm() == sesame_core::jose::Algorithm::HS256 {
                return Err(KeyRingError::NotPublishable(k.kid().to_owned()));
            }
            if keys.iter().take(i).any(|other| other.kid() == k.kid()) {
                return Err(KeyRingError::DuplicateKid(k.kid().to_owned()));
            }
        }
        let wanted = [config.id_token_alg, config.access_token_alg]
            .into_iter()
            .chain(config.clients.iter().filter_map(|c| c.id_token_alg));
        for alg in wanted {
            if !keys.iter().any(|k| k.algorithm() == alg) {
                return Err(KeyRingError::MissingAlgorithm(alg));
            }
        }
        Ok(Self {
            client_keys: ClientKeyCache::new(config.client_keys_cache),
            config,
            keys: SharedKeyRing::new(keys),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Key rotation, step 1: publish a new key in the JWKS without signing
    /// with it. Returns false, changing nothing, when its `kid` is already
    /// published: a new key needs a new kid.
    pub fn publish_key(&self, key: SigningKey) -> bool {
        self.keys.write(|ring| ring.publish(key))
    }

    /// Key rotation, step 2: sign with a published key. Returns false if it is not published.
    pub fn activate_key(&self, kid: &str) -> bool {
        self.keys.write(|ring| ring.activate(kid))
    }

    /// Key rotation, step 3: unpublish an old key once its tokens have expired.
    /// The active key cannot be retired.
    pub fn retire_key(&self, kid: &str) -> bool {
        self.keys.write(|ring| ring.retire(kid))
    }

    /// The published keys as a key set, for verifying this server's own
    /// tokens in process (no JSON round trip).
    pub fn key_set(&self) -> JwkSet {
        self.keys.read().key_set()
    }

    /// How long a family's revocation must be kept from `now`: as long as
    /// any of its tokens can still be presented.
    pub(crate) fn revocation_horizon(&self, now: std::time::SystemTime) -> std::time::SystemTime {
        now + self
            .config
            .refresh_token_ttl
            .max(self.config.access_token_ttl)
    }

    pub(crate) fn client(&self, id: &str) -> Option<&RegisteredClient> {
        self.config.clients.iter().find(|c| c.id == id)
    }
}
