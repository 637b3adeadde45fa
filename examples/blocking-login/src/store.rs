//! Where the sessions live, synchronously: the core's
//! [`MemorySessionStore`] (its `*_now` methods) or one Redis through the
//! `redis` crate's blocking API.
//!
//! The core makes every key (hashes, never an id or a token) and seals
//! every value that holds tokens; the Redis store prefixes each key with
//! [`REDIS_PREFIX`] (`sesame-rp:` + the core's key, as `sesame-redis`
//! does) and runs one command per
//! operation: `MGET`, `SET … PX`, `SET … NX PX` (the atomic first-wins
//! step of the refresh lock and the logout tokens' `jti` check) and `DEL`.
//!
//! Every Redis call is bounded ([`CONNECT_TIMEOUT`], [`IO_TIMEOUT`]): a
//! Redis that is down or slow is [`SessionStoreError::Unavailable`] (the
//! routes answer 503), never a hang and never a panic. A connection that
//! failed is dropped and a fresh one is made by the next call, so the app
//! recovers by itself once Redis is back.
//!
//! Redis Cluster (`SESAME_SESSION_STORE` with several comma-separated
//! URLs) is refused at startup with a clear error: this example speaks to
//! one node. Use the Axum or Poem example (`sesame-redis`) for a cluster.
//! `rediss://` (TLS) is refused too: the `redis` crate is built here
//! without its TLS features, as in the rest of the workspace.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use oidc_login_config::{StoreChoice, REDIS_PREFIX};
use redis::Value;
use sesame_core::session::{MemorySessionStore, SessionStoreError, StoreWrite};

/// How long connecting to Redis may take (the TCP connect, then each
/// answer of the connection's setup: at most about twice this).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one command's write and its answer's read may each take.
pub const IO_TIMEOUT: Duration = Duration::from_secs(2);

/// A session store with a blocking interface: the core's `SessionStore`
/// contract (atomic `put_new`, every value expires, bounded failures).
pub trait BlockingStore: Send + Sync + fmt::Debug {
    /// The values under `keys`, in order (`None` for missing or expired ones).
    fn get_many(
        &self,
        keys: &[String],
        now: SystemTime,
    ) -> Result<Vec<Option<Vec<u8>>>, SessionStoreError>;

    /// Stores `value` under `key` for `ttl`, replacing any value.
    fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<(), SessionStoreError>;

    /// Stores `value` under `key` for `ttl` only if no live value is
    /// there; true when it was stored. Atomic.
    fn put_new(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool, SessionStoreError>;

    /// Removes `key`.
    fn delete(&self, key: &str) -> Result<(), SessionStoreError>;

    /// Stores every write, in order.
    fn put_all(&self, writes: &[StoreWrite], now: SystemTime) -> Result<(), SessionStoreError> {
        for w in writes {
            self.put(&w.key, &w.value, w.ttl, now)?;
        }
        Ok(())
    }
}

impl BlockingStore for MemorySessionStore {
    fn get_many(
        &self,
        keys: &[String],
        now: SystemTime,
    ) -> Result<Vec<Option<Vec<u8>>>, SessionStoreError> {
        Ok(self.get_many_now(keys, now))
    }

    fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<(), SessionStoreError> {
        self.put_now(key, value, ttl, now)
    }

    fn put_new(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool, SessionStoreError> {
        self.put_new_now(key, value, ttl, now)
    }

    fn delete(&self, key: &str) -> Result<(), SessionStoreError> {
        self.delete_now(key);
        Ok(())
    }

    fn put_all(&self, writes: &[StoreWrite], now: SystemTime) -> Result<(), SessionStoreError> {
        self.put_all_now(writes, now)
    }
}

/// The store `SESAME_SESSION_STORE` names. Redis is connected to once
/// here, so that a wrong URL, password or database is a startup error.
pub fn open(choice: &StoreChoice) -> Result<Box<dyn BlockingStore>, String> {
    match choice {
        StoreChoice::Memory => Ok(Box::new(MemorySessionStore::default())),
        StoreChoice::Redis(url) => Ok(Box::new(RedisStore::connect(url)?)),
    }
}

/// One Redis, through the synchronous client: a small pool of
/// connections (one per worker thread at most), each with read and write
/// timeouts.
pub struct RedisStore {
    client: redis::Client,
    idle: Mutex<Vec<redis::Connection>>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: not shown.
        f.debug_struct("RedisStore")
            .field("prefix", &REDIS_PREFIX)
            .finish_non_exhaustive()
    }
}

/// Why a Redis call failed, as far as retrying is concerned.
enum CallError {
    /// The connection was found dead before the command could have run
    /// (reset, closed): a fresh connection may try once more.
    Dropped,
    /// Anything else (timeout, refusal, a Redis error): not retried.
    Failed,
}

fn ttl_ms(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn bytes(v: Value) -> Result<Option<Vec<u8>>, SessionStoreError> {
    match v {
        Value::Nil => Ok(None),
        Value::BulkString(b) => Ok(Some(b)),
        Value::SimpleString(s) => Ok(Some(s.into_bytes())),
        _ => Err(SessionStoreError::Unavailable),
    }
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://[user:password@]host:port[/db]`).
    /// A comma-separated list (a Redis Cluster) is refused: see the module docs.
    pub fn connect(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.contains(',') {
            return Err(
                "SESAME_SESSION_STORE: Redis Cluster (comma-separated URLs) is not supported by \
                 the blocking example; give one redis:// URL, or use the Axum or Poem example"
                    .into(),
            );
        }
        let client = redis::Client::open(url)
            .map_err(|e| format!("SESAME_SESSION_STORE: not a usable Redis URL: {e}"))?;
        let store = Self {
            client,
            idle: Mutex::new(Vec::new()),
        };
        let mut conn = store
            .fresh_connection()
            .map_err(|e| format!("SESAME_SESSION_STORE: cannot reach Redis: {e}"))?;
        redis::cmd("PING")
            .query::<Value>(&mut conn)
            .map_err(|e| format!("SESAME_SESSION_STORE: Redis refused PING: {e}"))?;
        store.give_back(conn);
        Ok(store)
    }

    fn fresh_connection(&self) -> redis::RedisResult<redis::Connection> {
        let conn = self.client.get_connection_with_timeout(CONNECT_TIMEOUT)?;
        conn.set_read_timeout(Some(IO_TIMEOUT))?;
        conn.set_write_timeout(Some(IO_TIMEOUT))?;
        Ok(conn)
    }

    fn take(&self) -> Option<redis::Connection> {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
    }

    fn give_back(&self, conn: redis::Connection) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if idle.len() < 16 {
            idle.push(conn);
        }
    }

    fn key(core_key: &str) -> String {
        format!("{REDIS_PREFIX}:{core_key}")
    }

    /// Runs one command on a pooled connection (or a fresh one). A pooled
    /// connection found dead (Redis restarted, say) is replaced and the
    /// command sent once more on a fresh one; a connection that failed is
    /// never reused.
    fn run(&self, cmd: &redis::Cmd) -> Result<Value, SessionStoreError> {
        if let Some(conn) = self.take() {
            match self.on(conn, cmd) {
                Ok(v) => return Ok(v),
                Err(CallError::Failed) => return Err(SessionStoreError::Unavailable),
                Err(CallError::Dropped) => {}
            }
        }
        let conn = self
            .fresh_connection()
            .map_err(|_| SessionStoreError::Unavailable)?;
        self.on(conn, cmd)
            .map_err(|_| SessionStoreError::Unavailable)
    }

    fn on(&self, mut conn: redis::Connection, cmd: &redis::Cmd) -> Result<Value, CallError> {
        match cmd.query::<Value>(&mut conn) {
            Ok(v) => {
                self.give_back(conn);
                Ok(v)
            }
            // Redis answered with an error: the connection itself is fine.
            Err(e) if matches!(e.kind(), redis::ErrorKind::Server(_)) => {
                self.give_back(conn);
                Err(CallError::Failed)
            }
            Err(e) if e.is_connection_dropped() && !e.is_timeout() => Err(CallError::Dropped),
            Err(_) => Err(CallError::Failed),
        }
    }
}

impl BlockingStore for RedisStore {
    fn get_many(
        &self,
        keys: &[String],
        _now: SystemTime,
    ) -> Result<Vec<Option<Vec<u8>>>, SessionStoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("MGET");
        for k in keys {
            cmd.arg(Self::key(k));
        }
        match self.run(&cmd)? {
            Value::Array(values) if values.len() == keys.len() => {
                values.into_iter().map(bytes).collect()
            }
            _ => Err(SessionStoreError::Unavailable),
        }
    }

    fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        _now: SystemTime,
    ) -> Result<(), SessionStoreError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(Self::key(key))
            .arg(value)
            .arg("PX")
            .arg(ttl_ms(ttl));
        self.run(&cmd).map(|_| ())
    }

    fn put_new(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        _now: SystemTime,
    ) -> Result<bool, SessionStoreError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(Self::key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms(ttl));
        // Nil: a live value was there already.
        Ok(!matches!(self.run(&cmd)?, Value::Nil))
    }

    fn delete(&self, key: &str) -> Result<(), SessionStoreError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(Self::key(key));
        self.run(&cmd).map(|_| ())
    }
}
