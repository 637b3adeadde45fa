//! One bounded map with expiry, used by every cache that remembers
//! answers for a while: verified tokens, introspection answers, replay
//! caches.
//!
//! Entries carry the second (Unix time) until which they may be used;
//! `now` is an argument, as everywhere in the core. When the map is full,
//! expired entries go first; if it is still full, it starts over empty —
//! a cache miss costs a recomputation, never a wrong answer.
//!
//! ```
//! use sesame_core::ttl_map::TtlMap;
//! let map = TtlMap::new(2);
//! map.insert("a".into(), 1, 100, 50);
//! assert_eq!(map.get("a", 99), Some(1));
//! assert_eq!(map.get("a", 100), None, "expired at its deadline");
//! ```

use std::collections::HashMap;
use std::sync::Mutex;

use crate::sync::lock;

/// A thread-safe map whose entries expire, holding at most `capacity` entries.
/// Its `Debug` shows only its size: keys may be secrets' hashes or ids.
pub struct TtlMap<V> {
    entries: Mutex<HashMap<String, (V, u64)>>,
    capacity: usize,
}

impl<V: Clone> TtlMap<V> {
    /// An empty map holding at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// The value under `key`, if it is still valid at `now` (Unix seconds).
    pub fn get(&self, key: &str, now: u64) -> Option<V> {
        let entries = lock(&self.entries);
        let (value, until) = entries.get(key)?;
        (now < *until).then(|| value.clone())
    }

    /// Stores `value` under `key`, valid while `now < until`.
    pub fn insert(&self, key: String, value: V, until: u64, now: u64) {
        let mut entries = lock(&self.entries);
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (_, u)| now < *u);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (value, until));
    }

    /// Stores `value` under `key` only if no valid entry is there: true
    /// when it was stored (the first use of a one-time value), false when
    /// the key was already taken — or when the map is full of live entries,
    /// since forgetting one would let it be used again (a replay cache
    /// must fail closed).
    pub fn insert_new(&self, key: String, value: V, until: u64, now: u64) -> bool {
        let mut entries = lock(&self.entries);
        if entries.get(&key).is_some_and(|(_, u)| now < *u) {
            return false;
        }
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (_, u)| now < *u);
            if entries.len() >= self.capacity {
                return false;
            }
        }
        entries.insert(key, (value, until));
        true
    }

    /// Drops the entries expired at `now`.
    pub fn purge(&self, now: u64) {
        lock(&self.entries).retain(|_, (_, u)| now < *u);
    }

    /// How many entries are held (expired ones included until purged).
    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<V> std::fmt::Debug for TtlMap<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TtlMap")
            .field("len", &lock(&self.entries).len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_map_drops_expired_entries_first() {
        let m = TtlMap::new(2);
        m.insert("old".into(), 1, 10, 0);
        m.insert("live".into(), 2, 100, 0);
        m.insert("new".into(), 3, 100, 20);
        assert_eq!(m.get("live", 20), Some(2));
        assert_eq!(m.get("new", 20), Some(3));
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn insert_new_refuses_a_live_key() {
        let m = TtlMap::new(8);
        assert!(m.insert_new("jti".into(), (), 100, 0));
        assert!(!m.insert_new("jti".into(), (), 100, 50));
        assert!(
            m.insert_new("jti".into(), (), 200, 100),
            "expired: reusable"
        );
    }

    #[test]
    fn a_full_replay_cache_refuses_instead_of_forgetting() {
        let m = TtlMap::new(2);
        assert!(m.insert_new("a".into(), (), 100, 0));
        assert!(m.insert_new("b".into(), (), 100, 0));
        assert!(
            !m.insert_new("c".into(), (), 100, 0),
            "full of live entries"
        );
        assert!(
            !m.insert_new("a".into(), (), 100, 1),
            "a is still remembered"
        );
        assert!(
            m.insert_new("c".into(), (), 200, 100),
            "room once a and b expired"
        );
    }

    #[test]
    fn debug_shows_no_keys() {
        let m = TtlMap::new(2);
        m.insert("secret-token".into(), 1, 100, 0);
        assert!(!format!("{m:?}").contains("secret"));
    }
}
