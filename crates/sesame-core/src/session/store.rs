//! Where sessions and their markers live: a small key/value interface with
//! expiry, so that every rule stays in the core and a store only stores.
//!
//! The keys are made here ([`hash_key`]): hashes, never a session id, a
//! `sid` or a token, so a dump of the store reveals nothing usable; values
//! that hold tokens are sealed. Every value expires (nothing outlives its
//! session). `sesame-redis` implements [`SessionStore`] on Redis and Redis
//! Cluster; [`MemorySessionStore`] is the in-process default.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::SessionStoreError;
use crate::sync::lock;
use crate::time::unix_seconds;

/// A value to store under a key until its time-to-live runs out.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreWrite {
    /// The key (a hash made by the core).
    pub key: String,
    /// The value (sealed where it holds tokens).
    pub value: Vec<u8>,
    /// How long it lives.
    pub ttl: Duration,
}

impl fmt::Debug for StoreWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreWrite")
            .field("key", &self.key)
            .field("value_len", &self.value.len())
            .field("ttl", &self.ttl)
            .finish()
    }
}

/// The session store: get, put, put-if-absent and delete, with expiry.
///
/// Implementations must make [`put_new`](SessionStore::put_new) atomic (it
/// is the replay check of logout tokens and the cross-instance refresh
/// lock), honour every TTL, and answer [`SessionStoreError::Unavailable`]
/// within a bounded time when the backend is down, never hang.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// The values under `keys`, in order (`None` for missing or expired ones).
    async fn get_many(
        &self,
        keys: &[String],
        now: SystemTime,
    ) -> Result<Vec<Option<Vec<u8>>>, SessionStoreError>;

    /// Stores `value` under `key` for `ttl`, replacing any value.
    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<(), SessionStoreError>;

    /// Stores `value` under `key` for `ttl` only if no live value is there;
    /// true when it was stored. Atomic.
    async fn put_new(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool, SessionStoreError>;

    /// Removes `key`.
    async fn delete(&self, key: &str) -> Result<(), SessionStoreError>;

    /// Stores every write (in order).
    async fn put_all(
        &self,
        writes: &[StoreWrite],
        now: SystemTime,
    ) -> Result<(), SessionStoreError> {
        for w in writes {
            self.put(&w.key, &w.value, w.ttl, now).await?;
        }
        Ok(())
    }
}

/// A key for the store: `prefix:` and the SHA-256 (base64url) of the parts,
/// joined with a zero byte so that no two part lists collide.
pub fn hash_key(parts: &[&str]) -> String {
    let mut ctx = crate::crypto::sha256_context();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            ctx.update(&[0]);
        }
        ctx.update(p.as_bytes());
    }
    crate::base64url::encode(ctx.finish().as_ref())
}

/// The default capacity of [`MemorySessionStore`]: 100,000 values.
pub const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// The in-process store: one instance only (use `sesame-redis` for several).
///
/// Expired values are dropped when the store fills; a store still full of
/// live values refuses new ones ([`SessionStoreError::Full`]) rather than
/// forgetting any (forgetting a revocation marker would revive a session).
/// Its methods are synchronous underneath, so a blocking driver calls the
/// `*_now` methods directly. `Debug` shows only its size.
pub struct MemorySessionStore {
    entries: Mutex<HashMap<String, (Vec<u8>, u64)>>,
    capacity: usize,
}

impl fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySessionStore")
            .field("len", &lock(&self.entries).len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl Default for MemorySessionStore {
    fn default() -> Self {
        Self::new(DEFAULT_MEMORY_CAPACITY)
    }
}

impl MemorySessionStore {
    /// An empty store holding at most `capacity` values.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    fn until(ttl: Duration, now: SystemTime) -> u64 {
        unix_seconds(now).saturating_add(ttl.as_secs().max(1))
    }

    /// [`SessionStore::get_many`], synchronously.
    pub fn get_many_now(&self, keys: &[String], now: SystemTime) -> Vec<Option<Vec<u8>>> {
        let now = unix_seconds(now);
        let entries = lock(&self.entries);
        keys.iter()
            .map(|k| {
                entries
                    .get(k)
                    .filter(|(_, until)| now < *until)
                    .map(|(v, _)| v.clone())
            })
            .collect()
    }

    fn make_room(
        entries: &mut HashMap<String, (Vec<u8>, u64)>,
        capacity: usize,
        key: &str,
        now: u64,
    ) -> Result<(), SessionStoreError> {
        if entries.len() >= capacity && !entries.contains_key(key) {
            entries.retain(|_, (_, until)| now < *until);
            if entries.len() >= capacity {
                return Err(SessionStoreError::Full);
            }
        }
        Ok(())
    }

    /// [`SessionStore::put`], synchronously.
    pub fn put_now(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<(), SessionStoreError> {
        let mut entries = lock(&self.entries);
        Self::make_room(&mut entries, self.capacity, key, unix_seconds(now))?;
        entries.insert(key.to_owned(), (value.to_vec(), Self::until(ttl, now)));
        Ok(())
    }

    /// [`SessionStore::put_new`], synchronously.
    pub fn put_new_now(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool, SessionStoreError> {
        let mut entries = lock(&self.entries);
        let n = unix_seconds(now);
        if entries.get(key).is_some_and(|(_, until)| n < *until) {
            return Ok(false);
        }
        Self::make_room(&mut entries, self.capacity, key, n)?;
        entries.insert(key.to_owned(), (value.to_vec(), Self::until(ttl, now)));
        Ok(true)
    }

    /// [`SessionStore::delete`], synchronously.
    pub fn delete_now(&self, key: &str) {
        lock(&self.entries).remove(key);
    }

    /// Stores every write, synchronously.
    pub fn put_all_now(
        &self,
        writes: &[StoreWrite],
        now: SystemTime,
    ) -> Result<(), SessionStoreError> {
        for w in writes {
            self.put_now(&w.key, &w.value, w.ttl, now)?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl SessionStore for MemorySessionStore {
    async fn get_many(
        &self,
        keys: &[String],
        now: SystemTime,
    ) -> Result<Vec<Option<Vec<u8>>>, SessionStoreError> {
        Ok(self.get_many_now(keys, now))
    }

    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<(), SessionStoreError> {
        self.put_now(key, value, ttl, now)
    }

    async fn put_new(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool, SessionStoreError> {
        self.put_new_now(key, value, ttl, now)
    }

    async fn delete(&self, key: &str) -> Result<(), SessionStoreError> {
        self.delete_now(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_expire_and_put_new_is_first_wins() {
        let s = MemorySessionStore::new(2);
        let t0 = crate::time::from_unix(1_000);
        assert!(s
            .put_new_now("a", b"1", Duration::from_secs(10), t0)
            .unwrap());
        assert!(!s
            .put_new_now("a", b"2", Duration::from_secs(10), t0)
            .unwrap());
        let later = crate::time::from_unix(1_010);
        assert_eq!(s.get_many_now(&["a".into()], later), vec![None]);
        assert!(s
            .put_new_now("a", b"3", Duration::from_secs(10), later)
            .unwrap());
    }

    #[test]
    fn a_full_store_refuses_rather_than_forgets() {
        let s = MemorySessionStore::new(1);
        let t0 = crate::time::from_unix(1_000);
        s.put_now("a", b"1", Duration::from_secs(100), t0).unwrap();
        assert_eq!(
            s.put_now("b", b"2", Duration::from_secs(100), t0),
            Err(SessionStoreError::Full)
        );
        assert_eq!(s.get_many_now(&["a".into()], t0), vec![Some(b"1".to_vec())]);
        // Once "a" expired, there is room again.
        let later = crate::time::from_unix(1_200);
        s.put_now("b", b"2", Duration::from_secs(100), later)
            .unwrap();
    }
}
