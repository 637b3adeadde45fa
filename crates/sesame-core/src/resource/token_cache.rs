//! Remembering verified tokens without ever extending their life.

use std::time::SystemTime;

use super::{AccessClaims, BearerError, BearerValidator};
use crate::jose::{self, JwkSet};
use crate::ttl_map::TtlMap;

/// A bounded cache of tokens already verified, so that a client repeating
/// its token does not pay for a signature check on every request.
///
/// It can never extend a token's life or outlive a key:
///
/// * an entry is used only while `now` is before the token's own `exp`
///   (plus the validator's leeway) — exactly the window in which a fresh
///   validation would also succeed;
/// * an entry is used only if the key set given *for this request* still
///   holds the very key material that verified it (same `kid`, same key
///   fingerprint); when the issuer drops or replaces a key, its tokens stop
///   hitting the cache at once;
/// * the cache key is the SHA-256 of the whole token string, so no other
///   token can match and the cache holds no usable token.
///
/// `benches/bearer_validation.rs` measures the gain.
#[derive(Debug)]
pub struct VerifiedTokenCache {
    entries: TtlMap<CachedToken>,
}

#[derive(Debug, Clone)]
struct CachedToken {
    claims: AccessClaims,
    kid: String,
    fingerprints: Vec<[u8; 32]>,
}

impl VerifiedTokenCache {
    /// A cache holding at most `capacity` tokens (it is cleared when full).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: TtlMap::new(capacity),
        }
    }

    /// Validates through the cache: a hit skips the signature check, within
    /// the rules above; a miss validates and remembers the result.
    pub fn validate(
        &self,
        validator: &BearerValidator,
        token: &str,
        keys: &JwkSet,
        now: SystemTime,
    ) -> Result<AccessClaims, BearerError> {
        let n = crate::time::unix_seconds(now);
        // Keyed by the token's SHA-256: the cache holds no usable token.
        let key = crate::base64url::encode(crate::crypto::sha256(token.as_bytes()));
        if let Some(hit) = self.entries.get(&key, n) {
            // The very key material that verified it must still be in the set.
            let key_still_there = keys
                .fingerprints(&hit.kid)
                .any(|f| hit.fingerprints.contains(&f));
            if key_still_there {
                return Ok(hit.claims);
            }
        }
        let claims = validator.validate(token, keys, now)?;
        // Only tokens with a `kid` are cached: their key is unambiguous.
        if let Some(kid) = jose::Header::peek(token).ok().and_then(|h| h.kid) {
            let fingerprints: Vec<[u8; 32]> = keys.fingerprints(&kid).collect();
            let exp = crate::time::unix_seconds(claims.expires_at);
            let valid_until = exp.saturating_add(validator.leeway.as_secs());
            let entry = CachedToken {
                claims: claims.clone(),
                kid,
                fingerprints,
            };
            self.entries.insert(key, entry, valid_until, n);
        }
        Ok(claims)
    }

    /// How many tokens are cached.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
