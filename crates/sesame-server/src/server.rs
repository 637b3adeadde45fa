//! The authorization server: its configuration and key ring. The
//! endpoints are implemented beside it, one file each.

use sesame_core::jose::{JwkSet, SigningKey};

use crate::config::{RegisteredClient, ServerConfig};
use crate::keys::SharedKeyRing;

/// The authorization server's protocol, free of HTTP frameworks and of
/// storage: [`authorize`](Self::authorize), [`approve`](Self::approve),
/// [`token`](Self::token), [`metadata`](Self::metadata), [`jwks`](Self::jwks).
/// [`AuthServerService`](crate::AuthServerService) puts it on the web.
#[derive(Debug)]
pub struct AuthorizationServer {
    pub(crate) config: ServerConfig,
    pub(crate) keys: SharedKeyRing,
}

impl AuthorizationServer {
    /// A server signing with `key` (ES256 by default; EdDSA and RS256 work too).
    pub fn new(config: ServerConfig, key: SigningKey) -> Self {
        Self {
            config,
            keys: SharedKeyRing::new(key),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Key rotation, step 1: publish a new key in the JWKS without signing with it.
    pub fn publish_key(&self, key: SigningKey) {
        self.keys.write(|ring| ring.publish(key));
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
