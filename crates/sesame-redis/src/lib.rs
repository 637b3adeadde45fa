//! The authorization server's [`Store`] on Redis or Redis Cluster.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use sesame_redis::RedisStore;
//!
//! // `redis://host:6379`, or `redis://a:7000,redis://b:7001,…` for a cluster.
//! let value = std::env::var("SESAME_REDIS_URL")?;
//! let store = RedisStore::from_env_value(&value, "sesame")
//!     .await?
//!     .with_timeout(Duration::from_secs(2));
//! let store: Arc<dyn sesame_server::Store> = Arc::new(store);
//! # let _ = store; Ok(()) }
//! ```
//!
//! A single Redis is reached through a [`redis::aio::ConnectionManager`],
//! which reconnects by itself; a cluster through the async cluster client,
//! which follows slot moves and reconnects to nodes. Every operation is
//! bounded by a timeout ([`DEFAULT_TIMEOUT`], see
//! [`RedisStore::with_timeout`]): a Redis error, an unreachable Redis or
//! a slow answer becomes [`StoreError`] (the endpoints answer 503) — the
//! store never hangs and never panics. The same `RedisStore` works again
//! once Redis is back; it need not be rebuilt.
//!
//! # What is stored
//!
//! Only what the server hands over: codes and refresh tokens are known by
//! their SHA-256 (the server hashes them before calling the store), so a
//! dump of Redis holds no usable code or token. Values are the grants as
//! JSON (client, subject, scopes, the app's claims, expiry in unix
//! milliseconds); a grant is deleted from its record at first use — a used
//! record keeps only its family, expiry and used flag.
//!
//! The throttling's failure counters and the used-login-form marks are
//! stored under the keys the server computes — a scope and a hash of the
//! username, address, client id or form nonce — so no username, address
//! or client id appears in Redis either (see
//! [`ThrottleConfig::hash_key`](sesame_server::ThrottleConfig::hash_key)
//! for hashes that a dictionary cannot reverse).
//!
//! Every key has a TTL, set in the same atomic step that writes it
//! (`PEXPIREAT` from the grant's own expiry): a code until it expires (a
//! used code is kept until then, so a replay is told apart from an unknown
//! code), a refresh token until it expires (used or not, so a reuse is
//! detected), a family's revocation until the `until` given to
//! [`Store::revoke_family`] (the latest one asked for: a revocation is
//! never shortened), a failure counter until the end of its window (set
//! when its first failure is counted, never extended), a used-form mark
//! until the form could no longer be opened anyway.
//!
//! # Keys and atomicity
//!
//! With the prefix `P` (one per authorization server; it may not be empty
//! nor contain `{` or `}`):
//!
//! | key | type | holds |
//! | --- | --- | --- |
//! | `P:{<family>}:code:<code_hash>` | hash | `g` grant JSON and `r` the head of the family's first refresh record (both until used), `f` family, `e` expiry (ms), `u` used flag |
//! | `P:code:<code_hash>` | hash | the same, without `r`, for a key that does not name its family (a code issued before codes did) |
//! | `P:rtp:<token_hash>` | string | the token's family: an immutable pointer, for keys that do not name it |
//! | `P:{<family>}:rt:<token_hash>` | hash | `g` grant JSON (until used), `e` expiry (ms), `u` used flag |
//! | `P:{<family>}:revoked` | string | the revocation's end (unix ms) |
//! | `P:fail:<counter>` | hash | a failure counter: `c` count, `l` latest failure (ms), `e` end of its window (ms) |
//! | `P:once:<mark>` | string | a first-wins mark (a used login form): until when (ms) |
//!
//! Every state change is one Lua script (or one command) run by Redis as a
//! single step; nothing is read in Rust and then written back. Redis
//! Cluster lets a script touch the keys of one hash slot only, so:
//!
//! - a code is one key: `take_code` checks used/expired and marks it used
//!   in one script on that key. The server's codes name the family their
//!   redemption starts, like its refresh tokens, and so do their keys, so
//!   a code sits in that family's slot and `redeem_code` both consumes it
//!   and writes the family's first refresh record in one script;
//! - a refresh token's record sits in its **family's** slot (the braces
//!   are a hash tag), next to the family's revocation marker, so that one
//!   script can check revoked, expired and used and mark the record used.
//!   The server's refresh tokens name their family (`<family>.<random>`)
//!   and so do their keys (`<family>.<hash>`, see
//!   [`family_of_refresh_key`]): the slot is known from the key, and a
//!   rotation (consume the old token, save its successor in the same
//!   family) is one script. For a key that does not name its family (a
//!   token issued before they did), a second key, the pointer
//!   `P:rtp:<token_hash>` → family, is written with the record and never
//!   changed afterwards: reading it first and then running the script on
//!   the family's slot is not a read-then-write race, since the decision
//!   and the change both happen inside the script;
//! - a failure counter is one key: counting a failure (increment, latest
//!   time, and the TTL when it starts) is one script, so concurrent
//!   failures each see their own count, on every instance; taking one
//!   back is another; a used-form mark is one key written by one
//!   first-wins script.
//!
//! A single Redis uses the same keys, so the data can be copied from one
//! to the other as it is. The scripts use only long-standing commands
//! (`HSET` with several fields, `HMGET`, `PEXPIREAT`): Redis 4.0 or later;
//! the tests run on Redis 7.
//!
//! # Round trips per operation
//!
//! Requests sent to Redis per operation, once the scripts are loaded
//! (they are loaded when connecting; should Redis lose them — a restart,
//! a failover, `SCRIPT FLUSH` — the first call that meets `NOSCRIPT` loads
//! that script again: two more requests, once; on a cluster the load goes
//! to every primary at once). Each request is one round
//! trip to one node; [`RedisStore::requests_sent`] counts them, and the
//! tests check this table.
//!
//! | operation | single Redis | Redis Cluster |
//! | --- | --- | --- |
//! | `save_code` | 1 (script) | 1 (script) |
//! | `take_code` | 1 (script) | 1 (script) |
//! | `redeem_code` | 1 (script: take the code and save the first refresh record) | 1 (script) |
//! | `save_refresh` | 1 (script) | 1 (script) |
//! | `take_refresh` | 1 (script) | 1 (script) |
//! | `rotate_refresh` | 1 (script: take and save the successor) | 1 (script) |
//! | `find_refresh` | 1 (read-only script) | 1 (read-only script) |
//! | the same for a key without its family | `redeem_code` `take_code` + `save_refresh`, `save_refresh` 1 (one script writes record and pointer), `take_refresh` and `find_refresh` 2 (`GET` pointer, then the script; 1 if unknown), `rotate_refresh` `take_refresh` + `save_refresh` | `save_refresh` 2 (record script and pointer script, sent at once to their two slots: one round trip of latency), the rest the same |
//! | `revoke_family` | 1 (script) | 1 (script) |
//! | `is_family_revoked` | 1 (`EXISTS`) | 1 (`EXISTS`) |
//! | `record_failure`, `failures`, `forgive_failure` | 1 (script) | 1 (script) |
//! | `clear_failures` | 1 (`DEL`) | 1 (`DEL`) |
//! | `put_new` | 1 (script) | 1 (script) |
//!
//! So redeeming a code at `/token` costs one `redeem_code` (1 round trip:
//! one state change, the code used and its family's first token saved
//! together), and a refresh-token rotation one `rotate_refresh` (1); with
//! throttling on, reading the client's failure
//! counters (its `client_id`'s and, if the adapter passes it, its
//! address's) adds one more, the two reads sent at once. A password
//! sign-in adds its address's counter, the form's mark and its username's
//! counter before the password is checked (3), and clearing them after a
//! success (1).
//!
//! # Failures
//!
//! An error or a timeout is [`StoreError`]; the server answers 503 and the
//! client may retry. A timeout can hide a change Redis did make: if a
//! rotation's script ran but its answer was late, the client's retry
//! presents a token already marked used, which is a reuse — the family is
//! revoked and the user signs in again. That fails closed.
//!
//! Run Redis with `maxmemory-policy noeviction` (the default): an evicting
//! policy could drop a used code's record or a revocation before its time
//! and reopen a replay; with `noeviction` a full Redis refuses writes,
//! which is [`StoreError`] again. Redis replication is asynchronous: a
//! failover can lose the last writes acknowledged by the old primary
//! (a code just marked used, for example); the store does not `WAIT`.
//!
//! # Clocks
//!
//! Decisions (expired or not, revoked or not) use the `now` the server
//! passes, in the scripts, exactly like [`sesame_server::MemoryStore`];
//! Redis's own clock only drives the TTLs that make keys disappear. A Redis
//! clock running ahead of the servers' drops keys that much early (a code
//! or token is then refused as unknown); keep clocks synchronized.
//!
//! # Testing
//!
//! The `testing` feature adds `sesame_redis::testing`: throwaway `redis-server`
//! processes (and a 3-master cluster) on loopback for test suites.

#![deny(missing_docs)]

mod keys;
mod record;
mod scripts;
mod sessions;
#[cfg(feature = "testing")]
pub mod testing;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::{FromRedisValue, IntoConnectionInfo, RedisError, RedisFuture, ScriptInvocation};
use sesame_server::{
    family_of_refresh_key, redeem_in_two_steps, rotate_in_two_steps, CodeGrant, CodeTake, Failures,
    FirstRefresh, RefreshGrant, RefreshTake, Store, StoreError,
};

use crate::keys::Keys;
use crate::record::{
    first_refresh_head, first_refresh_tail, from_unix_ms, unix_ms, StoredCode, StoredRefresh,
};
use crate::scripts::{FRESH, FRESH_UNSAVED, MISSING, USED};

/// The default bound on one store operation, all its round trips included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// Why [`RedisStore`] could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The key prefix is empty or contains a brace (`{`, `}`), which would
    /// change how Redis Cluster places the keys.
    #[error("invalid key prefix: it must be non-empty and contain no '{{' or '}}'")]
    InvalidPrefix,
    /// A cluster was asked for with no node address.
    #[error("no Redis Cluster node given")]
    NoNodes,
    /// An address is not a valid Redis URL.
    #[error("invalid Redis address: {0}")]
    InvalidAddress(#[source] RedisError),
    /// Redis could not be reached, or refused the connection.
    #[error("could not connect to Redis: {0}")]
    Connect(#[source] RedisError),
    /// Connecting took longer than the timeout.
    #[error("timed out connecting to Redis")]
    Timeout,
}

#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// A connection that counts the requests sent through it (every one a
/// round trip: a command, or a pipeline).
struct Counted<'c, C> {
    inner: &'c mut C,
    sent: &'c AtomicU64,
}

impl<C: ConnectionLike + Send> ConnectionLike for Counted<'_, C> {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> RedisFuture<'a, redis::Value> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.req_packed_command(cmd)
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<redis::Value>> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.req_packed_commands(pipeline, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.inner.get_db()
    }
}

impl Conn {
    async fn query<T: FromRedisValue>(
        &self,
        sent: &AtomicU64,
        cmd: &redis::Cmd,
    ) -> Result<T, RedisError> {
        match self {
            Conn::Single(c) => {
                let inner = &mut c.clone();
                cmd.query_async(&mut Counted { inner, sent }).await
            }
            Conn::Cluster(c) => {
                let inner = &mut c.clone();
                cmd.query_async(&mut Counted { inner, sent }).await
            }
        }
    }

    async fn invoke<T: FromRedisValue>(
        &self,
        sent: &AtomicU64,
        invocation: &ScriptInvocation<'_>,
    ) -> Result<T, RedisError> {
        match self {
            Conn::Single(c) => {
                let inner = &mut c.clone();
                invocation.invoke_async(&mut Counted { inner, sent }).await
            }
            Conn::Cluster(c) => {
                let inner = &mut c.clone();
                invocation.invoke_async(&mut Counted { inner, sent }).await
            }
        }
    }

    async fn load_scripts(&self, sent: &AtomicU64) -> Result<(), RedisError> {
        for script in scripts::all() {
            match self {
                Conn::Single(c) => {
                    let inner = &mut c.clone();
                    script.load_async(&mut Counted { inner, sent }).await?
                }
                Conn::Cluster(c) => {
                    let inner = &mut c.clone();
                    script.load_async(&mut Counted { inner, sent }).await?
                }
            };
        }
        Ok(())
    }
}

/// What went wrong inside one operation (logged, then [`StoreError`]).
enum Failure {
    Redis(RedisError),
    Corrupt(&'static str),
}

impl From<RedisError> for Failure {
    fn from(e: RedisError) -> Self {
        Failure::Redis(e)
    }
}

/// A [`Store`] on Redis or Redis Cluster (see the [crate docs](crate) for
/// the design).
///
/// Cheap to share: put it in an `Arc`. Its [`Debug`](std::fmt::Debug)
/// shows the mode, the node addresses, the prefix and the timeout — never
/// a password.
#[derive(Clone)]
pub struct RedisStore {
    conn: Conn,
    keys: Keys,
    timeout: Duration,
    /// `host:port` of each node given (no credentials).
    nodes: Vec<String>,
    /// Requests sent to Redis so far (shared by clones).
    sent: Arc<AtomicU64>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.conn {
            Conn::Single(_) => "single",
            Conn::Cluster(_) => "cluster",
        };
        f.debug_struct("RedisStore")
            .field("mode", &mode)
            .field("nodes", &self.nodes)
            .field("prefix", &self.keys.prefix())
            .field("timeout", &self.timeout)
            .field("requests_sent", &self.requests_sent())
            .finish()
    }
}

fn address_of(url: &str) -> Result<String, ConnectError> {
    let info = url
        .into_connection_info()
        .map_err(ConnectError::InvalidAddress)?;
    Ok(info.addr().to_string())
}

async fn bounded<T, F>(timeout: Duration, f: F) -> Result<T, ConnectError>
where
    F: Future<Output = Result<T, RedisError>>,
{
    match tokio::time::timeout(timeout, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ConnectError::Connect(e)),
        Err(_) => Err(ConnectError::Timeout),
    }
}

impl RedisStore {
    /// Connects to a single Redis at `url` (`redis://[:password@]host:port[/db]`),
    /// with every key under `prefix`.
    ///
    /// The first connection is made now, and the scripts loaded (each
    /// step bounded by [`DEFAULT_TIMEOUT`]), so that a wrong address or
    /// password is an error here; after that the connection manager
    /// reconnects by itself.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, ConnectError> {
        if !keys::valid_prefix(prefix) {
            return Err(ConnectError::InvalidPrefix);
        }
        let nodes = vec![address_of(url)?];
        let client = redis::Client::open(url).map_err(ConnectError::InvalidAddress)?;
        // One plain attempt first, so that a refusal (a wrong password, a
        // wrong database) is reported as such: the connection manager
        // would retry it until the timeout.
        let probe = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(DEFAULT_TIMEOUT))
            .set_response_timeout(Some(DEFAULT_TIMEOUT));
        drop(
            bounded(
                DEFAULT_TIMEOUT,
                client.get_multiplexed_async_connection_with_config(&probe),
            )
            .await?,
        );
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(DEFAULT_TIMEOUT))
            .set_response_timeout(Some(DEFAULT_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let manager = bounded(
            DEFAULT_TIMEOUT,
            ConnectionManager::new_with_config(client, config),
        )
        .await?;
        Self::ready(Conn::Single(manager), prefix, nodes).await
    }

    /// Connects to a Redis Cluster through `nodes` (some or all of its
    /// nodes' URLs; the client discovers the rest), with every key under
    /// `prefix`. The cluster is reached and the scripts loaded on every
    /// primary now (each step bounded by [`DEFAULT_TIMEOUT`]).
    pub async fn connect_cluster(nodes: &[&str], prefix: &str) -> Result<Self, ConnectError> {
        if !keys::valid_prefix(prefix) {
            return Err(ConnectError::InvalidPrefix);
        }
        if nodes.is_empty() {
            return Err(ConnectError::NoNodes);
        }
        let addresses = nodes
            .iter()
            .map(|n| address_of(n))
            .collect::<Result<Vec<_>, _>>()?;
        let client = redis::cluster::ClusterClientBuilder::new(nodes.to_vec())
            .connection_timeout(DEFAULT_TIMEOUT)
            .response_timeout(DEFAULT_TIMEOUT)
            .max_retry_wait(500)
            .build()
            .map_err(ConnectError::InvalidAddress)?;
        let conn = bounded(DEFAULT_TIMEOUT, client.get_async_connection()).await?;
        Self::ready(Conn::Cluster(conn), prefix, addresses).await
    }

    /// Connects as `SESAME_REDIS_URL` says: a `redis://` URL for a single
    /// Redis, or a comma-separated list of node URLs for a Redis Cluster
    /// (a trailing comma makes a one-node list a cluster).
    pub async fn from_env_value(value: &str, prefix: &str) -> Result<Self, ConnectError> {
        let value = value.trim();
        if value.contains(',') {
            let nodes: Vec<&str> = value
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect();
            Self::connect_cluster(&nodes, prefix).await
        } else {
            Self::connect(value, prefix).await
        }
    }

    async fn ready(conn: Conn, prefix: &str, nodes: Vec<String>) -> Result<Self, ConnectError> {
        let sent = Arc::new(AtomicU64::new(0));
        bounded(DEFAULT_TIMEOUT, conn.load_scripts(&sent)).await?;
        Ok(Self {
            conn,
            keys: Keys::new(prefix),
            timeout: DEFAULT_TIMEOUT,
            nodes,
            sent,
        })
    }

    /// How many requests this store (and its clones) has sent to Redis,
    /// loading its scripts included: each is one round trip (a script load
    /// on a cluster goes to every primary at once).
    /// The cluster client's own traffic (following a `MOVED`, refreshing
    /// its slot map, retrying) and reconnections are not counted. See the
    /// [crate docs](crate#round-trips-per-operation) for the count per
    /// operation.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Bounds each operation (all its round trips) by `timeout` instead of
    /// [`DEFAULT_TIMEOUT`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The bound on each operation.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        self.keys.prefix()
    }

    /// Whether this store talks to a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.conn, Conn::Cluster(_))
    }

    /// The family of a refresh token's key: named in the key, or (for a
    /// token from before keys named it) read from the token's pointer.
    async fn family_of(&self, token_hash: &str) -> Result<Option<String>, Failure> {
        if let Some(family) = family_of_refresh_key(token_hash) {
            return Ok(Some(family.to_owned()));
        }
        let family = self
            .conn
            .query(
                &self.sent,
                redis::cmd("GET").arg(self.keys.pointer(token_hash)),
            )
            .await?;
        Ok(family)
    }

    /// Runs one operation within the timeout; any failure is logged (no
    /// secret: keys are hashes) and becomes [`StoreError`].
    async fn run<T, F>(&self, op: &'static str, f: F) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, Failure>>,
    {
        match tokio::time::timeout(self.timeout, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(Failure::Redis(e))) => {
                tracing::warn!(op, error = %e, "redis store: operation failed");
                Err(StoreError)
            }
            Ok(Err(Failure::Corrupt(what))) => {
                tracing::error!(op, what, "redis store: unreadable record");
                Err(StoreError)
            }
            Err(_) => {
                tracing::warn!(op, timeout = ?self.timeout, "redis store: operation timed out");
                Err(StoreError)
            }
        }
    }
}

/// A refresh script's reply: the status, the grant's JSON and the
/// record's expiry (ms), which a rotated record's JSON does not carry.
type RecordReply = (i64, Option<String>, Option<u64>);

/// A refresh grant from its JSON, expiring when its record does.
fn refresh_grant(json: Option<String>, expires_ms: Option<u64>) -> Result<RefreshGrant, Failure> {
    let mut grant: RefreshGrant = decode::<StoredRefresh>(json)?.into();
    if let Some(ms) = expires_ms {
        grant.expires_at = from_unix_ms(ms);
    }
    Ok(grant)
}

fn refresh_take(
    (status, value, expires): RecordReply,
    family: String,
) -> Result<RefreshTake, Failure> {
    Ok(match status {
        FRESH => RefreshTake::Current(refresh_grant(value, expires)?),
        USED => RefreshTake::Reused(family),
        MISSING => RefreshTake::Missing,
        _ => return Err(Failure::Corrupt("script status")),
    })
}

/// A code script's reply as [`CodeTake`].
fn code_take(status: i64, value: Option<String>) -> Result<CodeTake, Failure> {
    Ok(match status {
        FRESH => decode_code(value)?,
        USED => CodeTake::Replayed(value.ok_or(Failure::Corrupt("code family"))?),
        MISSING => CodeTake::Missing,
        _ => return Err(Failure::Corrupt("script status")),
    })
}

fn decode_code(json: Option<String>) -> Result<CodeTake, Failure> {
    Ok(CodeTake::Fresh(decode::<StoredCode>(json)?.into()))
}

fn decode<T: serde::de::DeserializeOwned>(json: Option<String>) -> Result<T, Failure> {
    let json = json.ok_or(Failure::Corrupt("grant missing"))?;
    serde_json::from_str(&json).map_err(|_| Failure::Corrupt("grant JSON"))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|_| Failure::Corrupt("grant not serializable"))
}

#[async_trait::async_trait]
impl Store for RedisStore {
    async fn save_code(&self, code_hash: &str, grant: CodeGrant) -> Result<(), StoreError> {
        self.run("save_code", async {
            let mut inv = scripts::SAVE_CODE.key(self.keys.code(code_hash));
            inv.arg(encode(&StoredCode::from(&grant))?)
                .arg(&grant.family)
                .arg(unix_ms(grant.expires_at));
            if family_of_refresh_key(code_hash) == Some(grant.family.as_str()) {
                // In the family's slot: `redeem_code` writes the first
                // refresh record from this head.
                let head = first_refresh_head(&grant)
                    .map_err(|_| Failure::Corrupt("grant not serializable"))?;
                inv.arg(head);
            }
            self.conn.invoke::<i64>(&self.sent, &inv).await?;
            Ok(())
        })
        .await
    }

    async fn redeem_code(
        &self,
        code_hash: &str,
        first: &FirstRefresh,
        now: SystemTime,
    ) -> Result<CodeTake, StoreError> {
        let family = match family_of_refresh_key(code_hash) {
            Some(f) if family_of_refresh_key(&first.key) == Some(f) => f,
            // An older code (or a token in another family): take, then save.
            _ => return redeem_in_two_steps(self, code_hash, first, now).await,
        };
        let taken = self
            .run("redeem_code", async {
                // One script, one round trip: both keys carry the family's
                // hash tag, hence one slot on a cluster.
                let tail = first_refresh_tail(first.expires_at, first.dpop_jkt.as_deref())
                    .map_err(|_| Failure::Corrupt("grant not serializable"))?;
                let mut inv = scripts::REDEEM_CODE.key(self.keys.code(code_hash));
                inv.key(self.keys.refresh(family, &first.key))
                    .arg(unix_ms(now))
                    .arg(unix_ms(first.expires_at))
                    .arg(tail);
                let (status, value): (i64, Option<String>) =
                    self.conn.invoke(&self.sent, &inv).await?;
                Ok(match status {
                    FRESH_UNSAVED => (decode_code(value)?, false),
                    status => (code_take(status, value)?, true),
                })
            })
            .await?;
        match taken {
            (CodeTake::Fresh(grant), false) => {
                self.save_refresh(&first.key, first.grant(&grant)).await?;
                Ok(CodeTake::Fresh(grant))
            }
            (taken, _) => Ok(taken),
        }
    }

    async fn take_code(&self, code_hash: &str, now: SystemTime) -> Result<CodeTake, StoreError> {
        self.run("take_code", async {
            let mut inv = scripts::TAKE_CODE.key(self.keys.code(code_hash));
            inv.arg(unix_ms(now));
            let (status, value): (i64, Option<String>) = self.conn.invoke(&self.sent, &inv).await?;
            code_take(status, value)
        })
        .await
    }

    async fn save_refresh(&self, token_hash: &str, grant: RefreshGrant) -> Result<(), StoreError> {
        self.run("save_refresh", async {
            let json = encode(&StoredRefresh::from(&grant))?;
            let expires = unix_ms(grant.expires_at);
            let record = self.keys.refresh(&grant.family, token_hash);
            if family_of_refresh_key(token_hash) == Some(grant.family.as_str()) {
                // The key names the family: no pointer needed to find it.
                let mut inv = scripts::SAVE_REFRESH_RECORD.key(record);
                inv.arg(json).arg(expires);
                self.conn.invoke::<i64>(&self.sent, &inv).await?;
                return Ok(());
            }
            let pointer = self.keys.pointer(token_hash);
            match self.conn {
                Conn::Single(_) => {
                    let mut inv = scripts::SAVE_REFRESH_BOTH.key(pointer);
                    inv.key(record).arg(&grant.family).arg(json).arg(expires);
                    self.conn.invoke::<i64>(&self.sent, &inv).await?;
                }
                Conn::Cluster(_) => {
                    // Two slots: the record first or the pointer first makes
                    // no difference (the token is not handed out yet), so
                    // both are sent at once.
                    let mut rec = scripts::SAVE_REFRESH_RECORD.key(record);
                    rec.arg(json).arg(expires);
                    let mut ptr = scripts::SAVE_POINTER.key(pointer);
                    ptr.arg(&grant.family).arg(expires);
                    tokio::try_join!(
                        self.conn.invoke::<i64>(&self.sent, &rec),
                        self.conn.invoke::<i64>(&self.sent, &ptr)
                    )?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn take_refresh(
        &self,
        token_hash: &str,
        now: SystemTime,
    ) -> Result<RefreshTake, StoreError> {
        self.run("take_refresh", async {
            let Some(family) = self.family_of(token_hash).await? else {
                return Ok(RefreshTake::Missing);
            };
            let mut inv = scripts::TAKE_REFRESH.key(self.keys.refresh(&family, token_hash));
            inv.key(self.keys.revoked(&family)).arg(unix_ms(now));
            let reply: RecordReply = self.conn.invoke(&self.sent, &inv).await?;
            refresh_take(reply, family)
        })
        .await
    }

    async fn rotate_refresh(
        &self,
        token_hash: &str,
        successor_hash: &str,
        successor_expires_at: SystemTime,
        now: SystemTime,
    ) -> Result<RefreshTake, StoreError> {
        let family = match family_of_refresh_key(token_hash) {
            Some(f) if family_of_refresh_key(successor_hash) == Some(f) => f.to_owned(),
            // An older token (found through its pointer): take, then save.
            _ => {
                return rotate_in_two_steps(
                    self,
                    token_hash,
                    successor_hash,
                    successor_expires_at,
                    now,
                )
                .await
            }
        };
        self.run("rotate_refresh", async {
            // One script, one round trip: the three keys share the
            // family's hash tag, hence one slot on a cluster.
            let mut inv = scripts::ROTATE_REFRESH.key(self.keys.refresh(&family, token_hash));
            inv.key(self.keys.revoked(&family))
                .key(self.keys.refresh(&family, successor_hash))
                .arg(unix_ms(now))
                .arg(unix_ms(successor_expires_at));
            let reply: RecordReply = self.conn.invoke(&self.sent, &inv).await?;
            refresh_take(reply, family)
        })
        .await
    }

    async fn revoke_family(&self, family: &str, until: SystemTime) -> Result<(), StoreError> {
        self.run("revoke_family", async {
            let mut inv = scripts::REVOKE_FAMILY.key(self.keys.revoked(family));
            inv.arg(unix_ms(until));
            self.conn.invoke::<i64>(&self.sent, &inv).await?;
            Ok(())
        })
        .await
    }

    async fn is_family_revoked(&self, family: &str) -> Result<bool, StoreError> {
        self.run("is_family_revoked", async {
            let n: i64 = self
                .conn
                .query(
                    &self.sent,
                    redis::cmd("EXISTS").arg(self.keys.revoked(family)),
                )
                .await?;
            Ok(n > 0)
        })
        .await
    }

    async fn find_refresh(
        &self,
        token_hash: &str,
        now: SystemTime,
    ) -> Result<Option<RefreshGrant>, StoreError> {
        self.run("find_refresh", async {
            let Some(family) = self.family_of(token_hash).await? else {
                return Ok(None);
            };
            let mut inv = scripts::FIND_REFRESH.key(self.keys.refresh(&family, token_hash));
            inv.key(self.keys.revoked(&family)).arg(unix_ms(now));
            let (status, value, expires): RecordReply = self.conn.invoke(&self.sent, &inv).await?;
            Ok(match status {
                FRESH => Some(refresh_grant(value, expires)?),
                MISSING => None,
                _ => return Err(Failure::Corrupt("script status")),
            })
        })
        .await
    }

    async fn record_failure(
        &self,
        key: &str,
        window: Duration,
        now: SystemTime,
    ) -> Result<Failures, StoreError> {
        self.run("record_failure", async {
            let mut inv = scripts::RECORD_FAILURE.key(self.keys.failures(key));
            inv.arg(unix_ms(now)).arg(unix_ms(now + window));
            let reply: (i64, Option<String>) = self.conn.invoke(&self.sent, &inv).await?;
            failures_of(reply)
        })
        .await
    }

    async fn failures(&self, key: &str, now: SystemTime) -> Result<Failures, StoreError> {
        self.run("failures", async {
            let mut inv = scripts::FAILURES.key(self.keys.failures(key));
            inv.arg(unix_ms(now));
            let reply: (i64, Option<String>) = self.conn.invoke(&self.sent, &inv).await?;
            failures_of(reply)
        })
        .await
    }

    async fn forgive_failure(&self, key: &str, now: SystemTime) -> Result<(), StoreError> {
        self.run("forgive_failure", async {
            let mut inv = scripts::FORGIVE_FAILURE.key(self.keys.failures(key));
            inv.arg(unix_ms(now));
            self.conn.invoke::<i64>(&self.sent, &inv).await?;
            Ok(())
        })
        .await
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        self.run("clear_failures", async {
            self.conn
                .query::<i64>(&self.sent, redis::cmd("DEL").arg(self.keys.failures(key)))
                .await?;
            Ok(())
        })
        .await
    }

    async fn put_new(
        &self,
        key: &str,
        until: SystemTime,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        self.run("put_new", async {
            let mut inv = scripts::PUT_NEW.key(self.keys.once(key));
            inv.arg(unix_ms(until)).arg(unix_ms(now));
            let first: i64 = self.conn.invoke(&self.sent, &inv).await?;
            Ok(first == 1)
        })
        .await
    }
}

/// A counter as the scripts answer it: `{count, latest ms}`.
fn failures_of((count, latest): (i64, Option<String>)) -> Result<Failures, Failure> {
    let count = u32::try_from(count.max(0)).unwrap_or(u32::MAX);
    let latest = match latest {
        Some(ms) => Some(from_unix_ms(
            ms.parse()
                .map_err(|_| Failure::Corrupt("failure counter"))?,
        )),
        None => None,
    };
    Ok(Failures { count, latest })
}
