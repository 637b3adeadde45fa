//! Where the authorization server keeps codes, refresh-token families,
//! revocations, the failure counters of its throttling and its used forms.
//!
//! The trait is small and async so that a distributed store (Redis, SQL)
//! can implement it; its operations are shaped for that: single-use
//! consumption is one atomic `take` (or `put_new`), a failure is counted in
//! one atomic step, and every record carries its expiry.
//! [`MemoryStore`] is the default.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

/// Why the store failed (the backend is down, for example).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store unavailable")]
pub struct StoreError;

/// An issued authorization code, as stored (keyed by `<family>.<hash>`,
/// see [`family_of_refresh_key`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeGrant {
    /// The client the code was issued to.
    pub client_id: String,
    /// The redirect URI of the authorization request.
    pub redirect_uri: String,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// The user.
    pub subject: String,
    /// The app's claims for this user (from its login callback).
    pub claims: Map<String, Value>,
    /// The OIDC nonce, echoed in the ID token.
    pub nonce: Option<String>,
    /// When the code expires.
    pub expires_at: SystemTime,
    /// The token family created when the code is redeemed (for revocation on replay).
    pub family: String,
    /// The DPoP key the authorization request bound the code to
    /// (`dpop_jkt`, RFC 9449 §10): its redemption must prove that key.
    pub dpop_jkt: Option<String>,
}

/// The outcome of consuming a code.
// Returned once per redemption and matched at once: boxing the grant
// would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum CodeTake {
    /// First use: the grant.
    Fresh(CodeGrant),
    /// The code was already used: the family its tokens belong to (revoke it).
    Replayed(String),
    /// No such code (or it expired).
    Missing,
}

/// A refresh token's record (keyed by the token's hash).
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshGrant {
    /// The family (all refresh tokens descending from one authorization).
    pub family: String,
    /// The client.
    pub client_id: String,
    /// The user.
    pub subject: String,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// The app's claims.
    pub claims: Map<String, Value>,
    /// When it expires.
    pub expires_at: SystemTime,
    /// The DPoP key a public client's refresh token is bound to (RFC 9449
    /// §5): each refresh must prove it.
    pub dpop_jkt: Option<String>,
}

/// The first refresh token of a family, which [`Store::redeem_code`] saves
/// when the code it consumes is fresh: its key, its expiry and the DPoP
/// key it is bound to. Its record is the code's grant (family, client,
/// user, scopes, claims) with these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstRefresh {
    /// The token's store key, in the code's family (see
    /// [`family_of_refresh_key`]).
    pub key: String,
    /// When the token expires.
    pub expires_at: SystemTime,
    /// The DPoP key the token is bound to (a public client's, RFC 9449 §5).
    pub dpop_jkt: Option<String>,
}

impl FirstRefresh {
    /// The refresh record this token gets from the code's `grant`.
    pub fn grant(&self, grant: &CodeGrant) -> RefreshGrant {
        RefreshGrant {
            family: grant.family.clone(),
            client_id: grant.client_id.clone(),
            subject: grant.subject.clone(),
            scopes: grant.scopes.clone(),
            claims: grant.claims.clone(),
            expires_at: self.expires_at,
            dpop_jkt: self.dpop_jkt.clone(),
        }
    }
}

/// The outcome of presenting a refresh token.
#[derive(Debug, Clone, PartialEq)]
pub enum RefreshTake {
    /// The current token of its family: the grant (the token is now used).
    Current(RefreshGrant),
    /// An old, already rotated token: reuse; the family must be revoked.
    Reused(String),
    /// Unknown, expired or revoked.
    Missing,
}

/// A failure counter as [`Store::record_failure`] and [`Store::failures`]
/// report it: how many failures are counted in its window, and when the
/// latest was. The throttling rule ([`ThrottleConfig::wait`](crate::ThrottleConfig::wait))
/// decides from these two alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// Failures counted in the current window (0: no counter).
    pub count: u32,
    /// The latest failure counted, if any.
    pub latest: Option<SystemTime>,
}

/// The family a refresh token's (or a code's) store key names, if it
/// names one.
///
/// The server keys a refresh token by `<family>.<hash>` (its family, then
/// the base64url SHA-256 of the whole token), so a store can find the
/// record, and the family's revocation, without a lookup first; a token
/// issued before tokens named their family is keyed by its bare hash,
/// and this answers `None`. A forged family finds nothing: the hash
/// covers the whole token. Codes are keyed the same way (they name the
/// family their redemption starts), so a store can keep a code next to
/// that family's first refresh token.
///
/// ```
/// use sesame_server::family_of_refresh_key;
/// assert_eq!(family_of_refresh_key("fam-1.q83vEjRWeJA"), Some("fam-1"));
/// assert_eq!(family_of_refresh_key("q83vEjRWeJA"), None);
/// ```
pub fn family_of_refresh_key(key: &str) -> Option<&str> {
    key.rsplit_once('.')
        .map(|(family, _)| family)
        .filter(|f| !f.is_empty())
}

/// [`Store::redeem_code`] as two calls: [`Store::take_code`], then, if
/// the code was fresh, [`Store::save_refresh`] of its first refresh token
/// (the trait's default, for a store that overrides it only for some keys).
pub async fn redeem_in_two_steps<S: Store + ?Sized>(
    store: &S,
    code_hash: &str,
    first: &FirstRefresh,
    now: SystemTime,
) -> Result<CodeTake, StoreError> {
    let taken = store.take_code(code_hash, now).await?;
    if let CodeTake::Fresh(grant) = &taken {
        store.save_refresh(&first.key, first.grant(grant)).await?;
    }
    Ok(taken)
}

/// [`Store::rotate_refresh`] as two calls: [`Store::take_refresh`], then,
/// if the token was current, [`Store::save_refresh`] of its successor (the
/// trait's default, for a store that overrides it only for some keys).
pub async fn rotate_in_two_steps<S: Store + ?Sized>(
    store: &S,
    token_hash: &str,
    successor_hash: &str,
    successor_expires_at: SystemTime,
    now: SystemTime,
) -> Result<RefreshTake, StoreError> {
    let taken = store.take_refresh(token_hash, now).await?;
    if let RefreshTake::Current(grant) = &taken {
        let successor = RefreshGrant {
            expires_at: successor_expires_at,
            ..grant.clone()
        };
        store.save_refresh(successor_hash, successor).await?;
    }
    Ok(taken)
}

/// Storage for the authorization server.
///
/// Codes and refresh tokens are passed by their key (see
/// [`family_of_refresh_key`]), never in the clear.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    /// Saves an issued code under its key.
    async fn save_code(&self, code_hash: &str, grant: CodeGrant) -> Result<(), StoreError>;
    /// Atomically consumes a code: the first call gets it, later ones learn it was replayed.
    async fn take_code(&self, code_hash: &str, now: SystemTime) -> Result<CodeTake, StoreError>;
    /// Redeems a code: consumes it as [`take_code`](Self::take_code) does
    /// and, only when it was fresh, saves the first refresh token of its
    /// family ([`FirstRefresh::grant`] of the code's grant under
    /// `first.key`).
    ///
    /// The server calls this before it checks the redemption (client,
    /// redirect URI, PKCE) and revokes the family when a check fails, so
    /// a token saved for a refused redemption is dead at once; it was
    /// never handed out.
    ///
    /// The default takes, then saves: two calls. A networked store should
    /// do both in one atomic round trip (the code's key and the token's
    /// name the same family, so they can share a shard); the Redis store
    /// does.
    async fn redeem_code(
        &self,
        code_hash: &str,
        first: &FirstRefresh,
        now: SystemTime,
    ) -> Result<CodeTake, StoreError> {
        redeem_in_two_steps(self, code_hash, first, now).await
    }
    /// Saves a refresh token under its hash.
    async fn save_refresh(&self, token_hash: &str, grant: RefreshGrant) -> Result<(), StoreError>;
    /// Atomically consumes a refresh token for rotation.
    async fn take_refresh(
        &self,
        token_hash: &str,
        now: SystemTime,
    ) -> Result<RefreshTake, StoreError>;
    /// Rotates a refresh token: consumes `token_hash` as
    /// [`take_refresh`](Self::take_refresh) does and, only when it was the
    /// current token of its family, saves the same grant under
    /// `successor_hash`, expiring at `successor_expires_at`.
    ///
    /// The default takes, then saves: two calls, and a failure between
    /// them loses the successor. A networked store should do both in one
    /// atomic round trip (the two keys name the same family, so they can
    /// share a shard); the Redis store does.
    async fn rotate_refresh(
        &self,
        token_hash: &str,
        successor_hash: &str,
        successor_expires_at: SystemTime,
        now: SystemTime,
    ) -> Result<RefreshTake, StoreError> {
        rotate_in_two_steps(self, token_hash, successor_hash, successor_expires_at, now).await
    }
    /// Revokes a whole family: its refresh tokens and the access tokens
    /// issued from it. The revocation must be kept at least `until` — the
    /// longest any token of the family can live — and may be dropped after.
    async fn revoke_family(&self, family: &str, until: SystemTime) -> Result<(), StoreError>;
    /// Whether a family is revoked.
    async fn is_family_revoked(&self, family: &str) -> Result<bool, StoreError>;
    /// Looks up a refresh token without consuming it (for revocation and introspection).
    async fn find_refresh(
        &self,
        token_hash: &str,
        now: SystemTime,
    ) -> Result<Option<RefreshGrant>, StoreError>;

    /// Atomically counts one failure under `key` (a hash made by the
    /// server, never a raw username or address) and answers the counter as
    /// it was **before** this one. A missing or expired counter starts at
    /// zero with a window of `window` from `now`; later failures do not
    /// extend the window (the counter is forgotten `window` after its first
    /// failure, whatever happens meanwhile). `latest` becomes `now` (never
    /// earlier than it was). Concurrent calls each see a distinct count.
    async fn record_failure(
        &self,
        key: &str,
        window: Duration,
        now: SystemTime,
    ) -> Result<Failures, StoreError>;
    /// The counter under `key` as it is at `now` (zero if missing or expired).
    async fn failures(&self, key: &str, now: SystemTime) -> Result<Failures, StoreError>;
    /// Takes back one failure counted under `key` (an attempt counted
    /// before it was checked, which then succeeded). Never below zero; it
    /// does not create a counter, extend its window or move `latest`.
    async fn forgive_failure(&self, key: &str, now: SystemTime) -> Result<(), StoreError>;
    /// Forgets the counter under `key` (a successful sign-in).
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;
    /// First wins: records `key` until `until` and answers `true`, unless
    /// it is already recorded (and not expired at `now`): then `false`,
    /// changing nothing. Atomic: of concurrent calls, one gets `true`.
    async fn put_new(
        &self,
        key: &str,
        until: SystemTime,
        now: SystemTime,
    ) -> Result<bool, StoreError>;
}

/// A failure counter in memory.
#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: Failures,
    expires_at: SystemTime,
}

#[derive(Debug, Default)]
struct Memory {
    codes: HashMap<String, (CodeGrant, bool)>,
    refresh: HashMap<String, (RefreshGrant, bool)>,
    revoked: HashMap<String, SystemTime>,
    counters: HashMap<String, Counter>,
    used: HashMap<String, SystemTime>,
    last_purge: Option<SystemTime>,
}

impl Memory {
    fn len(&self) -> usize {
        self.codes.len()
            + self.refresh.len()
            + self.revoked.len()
            + self.counters.len()
            + self.used.len()
    }

    fn purge(&mut self, now: SystemTime) {
        self.codes.retain(|_, (g, _)| g.expires_at > now);
        self.refresh.retain(|_, (g, _)| g.expires_at > now);
        self.revoked.retain(|_, until| *until > now);
        self.counters.retain(|_, c| c.expires_at > now);
        self.used.retain(|_, until| *until > now);
        self.last_purge = Some(now);
    }

    /// Consumes a code (see [`Store::take_code`]).
    fn take_code(&mut self, code_hash: &str, now: SystemTime) -> CodeTake {
        self.maybe_purge(now);
        match self.codes.get_mut(code_hash) {
            Some((g, used)) if *used => CodeTake::Replayed(g.family.clone()),
            Some((g, used)) if g.expires_at > now => {
                *used = true;
                CodeTake::Fresh(g.clone())
            }
            _ => CodeTake::Missing,
        }
    }

    /// The live counter under `key` at `now`.
    fn counter(&mut self, key: &str, now: SystemTime) -> Option<&mut Counter> {
        self.counters.get_mut(key).filter(|c| c.expires_at > now)
    }

    /// Purges at most every [`PURGE_INTERVAL`], so that memory follows the
    /// live records without a background task.
    fn maybe_purge(&mut self, now: SystemTime) {
        let due = self
            .last_purge
            .is_none_or(|t| now.duration_since(t).is_ok_and(|d| d >= PURGE_INTERVAL));
        if due {
            self.purge(now);
        }
    }
}

/// How often [`MemoryStore`] drops expired records on its own.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(10);
/// [`MemoryStore`]'s default cap on records (codes, refresh tokens,
/// revocations, failure counters and used forms together).
pub const DEFAULT_CAPACITY: usize = 1_000_000;

/// An in-memory [`Store`] for one process (the embedded default).
///
/// It bounds itself: expired codes, refresh tokens, revocations, failure
/// counters and used-form marks are dropped as time passes (checked on
/// each use, at most every [`PURGE_INTERVAL`]). When it holds `capacity`
/// live records it refuses new logins (saving a code, a new failure
/// counter or a used-form mark answers 503) rather than forget one that is
/// still valid — forgetting a used code, a revocation, a failure count or
/// a used form would reopen a replay or a guessing window. Refresh tokens
/// and revocations are never refused: they follow logins already
/// admitted, and refusing them would end sessions.
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Memory>,
    capacity: usize,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl MemoryStore {
    /// A store holding at most `capacity` records.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Memory::default()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Drops every record expired at `now` (it also happens on its own).
    pub fn purge(&self, now: SystemTime) {
        self.lock().purge(now);
    }

    /// How many records are held (live, or expired but not yet purged).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Room for one more record, purging first if the store is full.
    fn room(&self, m: &mut Memory, now: SystemTime) -> Result<(), StoreError> {
        m.maybe_purge(now);
        if m.len() >= self.capacity {
            m.purge(now);
        }
        if m.len() >= self.capacity {
            return Err(StoreError);
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for MemoryStore {
    async fn save_code(&self, code_hash: &str, grant: CodeGrant) -> Result<(), StoreError> {
        let mut m = self.lock();
        // A code lives at most a minute: its expiry bounds "now" closely enough.
        let now = grant.expires_at - crate::MAX_CODE_TTL;
        self.room(&mut m, now)?;
        m.codes.insert(code_hash.to_owned(), (grant, false));
        Ok(())
    }

    async fn take_code(&self, code_hash: &str, now: SystemTime) -> Result<CodeTake, StoreError> {
        Ok(self.lock().take_code(code_hash, now))
    }

    async fn redeem_code(
        &self,
        code_hash: &str,
        first: &FirstRefresh,
        now: SystemTime,
    ) -> Result<CodeTake, StoreError> {
        let mut m = self.lock();
        let taken = m.take_code(code_hash, now);
        if let CodeTake::Fresh(grant) = &taken {
            // Never refused for room, as `save_refresh`.
            m.refresh
                .insert(first.key.clone(), (first.grant(grant), false));
        }
        Ok(taken)
    }

    async fn save_refresh(&self, token_hash: &str, grant: RefreshGrant) -> Result<(), StoreError> {
        // Never refused for room: a refresh token is saved right after its
        // code or predecessor was consumed, and refusing it then would burn
        // the session (the retry looks like reuse). New logins are what the
        // cap refuses, at `save_code`.
        self.lock()
            .refresh
            .insert(token_hash.to_owned(), (grant, false));
        Ok(())
    }

    async fn take_refresh(
        &self,
        token_hash: &str,
        now: SystemTime,
    ) -> Result<RefreshTake, StoreError> {
        let mut m = self.lock();
        m.maybe_purge(now);
        let revoked = match m.refresh.get(token_hash) {
            Some((g, _)) => m.revoked.get(&g.family).is_some_and(|u| *u > now),
            None => false,
        };
        Ok(match m.refresh.get_mut(token_hash) {
            Some((g, _)) if revoked || g.expires_at <= now => RefreshTake::Missing,
            Some((g, used)) if *used => RefreshTake::Reused(g.family.clone()),
            Some((g, used)) => {
                *used = true;
                RefreshTake::Current(g.clone())
            }
            None => RefreshTake::Missing,
        })
    }

    async fn revoke_family(&self, family: &str, until: SystemTime) -> Result<(), StoreError> {
        let mut m = self.lock();
        // Never refuse a revocation for room: it only ever closes doors.
        let entry = m.revoked.entry(family.to_owned()).or_insert(until);
        *entry = (*entry).max(until);
        Ok(())
    }

    async fn is_family_revoked(&self, family: &str) -> Result<bool, StoreError> {
        Ok(self.lock().revoked.contains_key(family))
    }

    async fn find_refresh(
        &self,
        token_hash: &str,
        now: SystemTime,
    ) -> Result<Option<RefreshGrant>, StoreError> {
        let mut m = self.lock();
        m.maybe_purge(now);
        Ok(m.refresh.get(token_hash).and_then(|(g, used)| {
            (!*used && g.expires_at > now && !m.revoked.contains_key(&g.family)).then(|| g.clone())
        }))
    }

    async fn record_failure(
        &self,
        key: &str,
        window: Duration,
        now: SystemTime,
    ) -> Result<Failures, StoreError> {
        let mut m = self.lock();
        m.maybe_purge(now);
        if let Some(c) = m.counter(key, now) {
            let before = c.failures;
            c.failures.count = before.count.saturating_add(1);
            c.failures.latest = Some(before.latest.map_or(now, |l| l.max(now)));
            return Ok(before);
        }
        self.room(&mut m, now)?;
        m.counters.insert(
            key.to_owned(),
            Counter {
                failures: Failures {
                    count: 1,
                    latest: Some(now),
                },
                expires_at: now + window,
            },
        );
        Ok(Failures::default())
    }

    async fn failures(&self, key: &str, now: SystemTime) -> Result<Failures, StoreError> {
        let mut m = self.lock();
        m.maybe_purge(now);
        Ok(m.counter(key, now).map(|c| c.failures).unwrap_or_default())
    }

    async fn forgive_failure(&self, key: &str, now: SystemTime) -> Result<(), StoreError> {
        if let Some(c) = self.lock().counter(key, now) {
            c.failures.count = c.failures.count.saturating_sub(1);
        }
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        self.lock().counters.remove(key);
        Ok(())
    }

    async fn put_new(
        &self,
        key: &str,
        until: SystemTime,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut m = self.lock();
        m.maybe_purge(now);
        if m.used.get(key).is_some_and(|u| *u > now) {
            return Ok(false);
        }
        if until > now {
            self.room(&mut m, now)?;
            m.used.insert(key.to_owned(), until);
        }
        Ok(true)
    }
}
