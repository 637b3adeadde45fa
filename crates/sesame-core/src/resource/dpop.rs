//! DPoP at the protected API (RFC 9449 §7): which schemes are accepted,
//! and the replay cache of proofs already used.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::dpop::{NonceSource, ProofPolicy};
use crate::ttl_map::TtlMap;

/// Whether a protected API that accepts DPoP (see
/// [`BearerPolicy::dpop`](super::BearerPolicy::dpop)) still accepts plain
/// bearer tokens.
///
/// In both modes a DPoP-bound token (one with `cnf.jkt`) must come with
/// its proof: presented as `Bearer` it is refused (RFC 9449 §7.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DpopMode {
    /// Both schemes: `Bearer` for unbound tokens, `DPoP` for bound ones
    /// (the default). A request without credentials is offered both.
    #[default]
    Allowed,
    /// Only `DPoP`: a `Bearer` request is refused as if it had no
    /// credentials, with a `DPoP` challenge only.
    Required,
}

/// Where a protected API remembers the DPoP proofs it accepted, so that
/// none is accepted twice (RFC 9449 §11.1). The default,
/// [`MemoryReplayCache`], lives in one process: apps running several
/// instances plug in a shared one, so that a proof used at one instance is
/// refused at the others.
///
/// The check calls it synchronously, once per DPoP request: an
/// implementation over the network should answer quickly (a short timeout)
/// and, when it cannot answer, refuse. For an asynchronous store (Redis,
/// say), leave the check to the driver instead
/// ([`BearerPolicy::dpop_replay_left_to_driver`](super::BearerPolicy::dpop_replay_left_to_driver);
/// `sesame_reqwest::BearerAuth::with_dpop_replay_store` does it on any
/// session store).
pub trait ReplayCache: Send + Sync + fmt::Debug {
    /// Records `key` ([`CheckedProof::replay_key`](crate::dpop::CheckedProof::replay_key))
    /// for `ttl` ([`CheckedProof::replay_ttl`](crate::dpop::CheckedProof::replay_ttl))
    /// from `now`. True on the key's first use; false when it was recorded
    /// within its ttl (a replay) — and whenever the cache cannot tell (full
    /// of live entries, unreachable): a replay cache fails closed.
    fn first_use(&self, key: &str, ttl: Duration, now: SystemTime) -> bool;
}

/// The in-memory [`ReplayCache`]: at most `capacity` live proofs. When it
/// is full of live proofs it refuses new ones (fails closed) until some
/// expire; size it for the requests a proof's lifetime sees (with the
/// default 66 s window, 100 000 entries allow about 1 500 DPoP requests a
/// second). `Debug` shows only its size.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use sesame_core::resource::{MemoryReplayCache, ReplayCache};
/// let cache = MemoryReplayCache::new(1_000);
/// let (now, ttl) = (SystemTime::now(), Duration::from_secs(66));
/// assert!(cache.first_use("key", ttl, now));
/// assert!(!cache.first_use("key", ttl, now + Duration::from_secs(10)), "a replay");
/// assert!(cache.first_use("key", ttl, now + Duration::from_secs(70)), "expired: stale anyway");
/// ```
#[derive(Debug)]
pub struct MemoryReplayCache {
    seen: TtlMap<()>,
}

impl MemoryReplayCache {
    /// The capacity of [`BearerPolicy::dpop`](super::BearerPolicy::dpop)'s cache.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A cache holding at most `capacity` live proofs.
    pub fn new(capacity: usize) -> Self {
        Self {
            seen: TtlMap::new(capacity),
        }
    }

    /// How many proofs are remembered (expired ones included until they
    /// make room).
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no proof is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

impl Default for MemoryReplayCache {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl ReplayCache for MemoryReplayCache {
    fn first_use(&self, key: &str, ttl: Duration, now: SystemTime) -> bool {
        let n = crate::time::unix_seconds(now);
        // Rounded up, so that a key is never forgotten early.
        let secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
        self.seen
            .insert_new(key.to_owned(), (), n.saturating_add(secs), n)
    }
}

/// Where a policy's replay check happens.
#[derive(Debug, Clone)]
pub(super) enum Replay {
    /// In the check itself, synchronously.
    Cache(Arc<dyn ReplayCache>),
    /// In the driver, once the check passed (see
    /// [`BearerCheck::proof_to_record`](super::BearerCheck::proof_to_record)).
    Driver,
}

/// A policy's DPoP settings.
#[derive(Debug, Clone)]
pub(super) struct DpopSettings {
    pub(super) mode: DpopMode,
    pub(super) proofs: ProofPolicy,
    pub(super) nonces: Option<NonceSource>,
    pub(super) replay: Replay,
}

impl Default for DpopSettings {
    fn default() -> Self {
        Self {
            mode: DpopMode::default(),
            proofs: ProofPolicy::default(),
            nonces: None,
            replay: Replay::Cache(Arc::new(MemoryReplayCache::default())),
        }
    }
}
