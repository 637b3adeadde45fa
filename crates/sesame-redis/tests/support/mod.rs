//! Fixtures: a store on a fresh single Redis or a fresh 3-master cluster,
//! a look at every key, and `both!` to run one scenario on each.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sesame_redis::testing::{RedisCluster, RedisServer, CLUSTER_TIMEOUT};
use sesame_redis::RedisStore;

pub const PREFIX: &str = "sesame-test";

/// Runs the scenario `$name(Env)` as two tests, `$name::single` and
/// `$name::cluster` (`aof`: with a synced AOF on every node).
macro_rules! both {
    ($name:ident) => {
        $crate::support::both!(@ $name, false);
    };
    ($name:ident, aof) => {
        $crate::support::both!(@ $name, true);
    };
    (@ $name:ident, $aof:expr) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn single() {
                let env = $crate::support::Env::single_with($aof).await;
                $crate::support::bounded(super::$name(env)).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn cluster() {
                let env = $crate::support::Env::cluster_with($aof).await;
                $crate::support::bounded(super::$name(env)).await;
            }
        }
    };
}
pub(crate) use both;

/// No scenario may run longer than two minutes.
pub async fn bounded(f: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(Duration::from_secs(120), f)
        .await
        .expect("the scenario took more than 120 s");
}

pub enum Backend {
    Single(RedisServer),
    Cluster(RedisCluster),
}

/// A store on its own Redis.
pub struct Env {
    pub backend: Backend,
    pub store: Arc<RedisStore>,
}

/// One key as Redis holds it.
#[derive(Debug)]
pub struct Key {
    pub key: String,
    /// Which node holds it (0 on a single Redis).
    pub node: usize,
    pub kind: String,
    pub pttl_ms: i64,
    /// The value as text (a hash as `field=value` pairs).
    pub value: String,
}

impl Env {
    pub async fn single() -> Env {
        Self::single_with(false).await
    }

    pub async fn cluster() -> Env {
        Self::cluster_with(false).await
    }

    pub async fn single_with(aof: bool) -> Env {
        let server = tokio::task::block_in_place(|| {
            if aof {
                RedisServer::start_with_aof()
            } else {
                RedisServer::start()
            }
        })
        .expect("start redis-server (Debian: apt-get install redis-server)");
        let store = RedisStore::connect(&server.url(), PREFIX).await.unwrap();
        assert!(!store.is_cluster());
        Env {
            backend: Backend::Single(server),
            store: Arc::new(store),
        }
    }

    pub async fn cluster_with(aof: bool) -> Env {
        let cluster = tokio::task::block_in_place(|| {
            if aof {
                RedisCluster::start_with_aof()
            } else {
                RedisCluster::start()
            }
        })
        .expect("start a 3-node redis cluster");
        let urls = cluster.urls();
        let nodes: Vec<&str> = urls.iter().map(String::as_str).collect();
        let store = RedisStore::connect_cluster(&nodes, PREFIX).await.unwrap();
        assert!(store.is_cluster());
        Env {
            backend: Backend::Cluster(cluster),
            store: Arc::new(store),
        }
    }

    /// `SESAME_REDIS_URL` for this Redis.
    pub fn env_value(&self) -> String {
        match &self.backend {
            Backend::Single(s) => s.url(),
            Backend::Cluster(c) => c.env_value(),
        }
    }

    fn servers(&self) -> Vec<&RedisServer> {
        match &self.backend {
            Backend::Single(s) => vec![s],
            Backend::Cluster(c) => c.nodes().iter().collect(),
        }
    }

    /// The pids of the Redis processes.
    pub fn pids(&self) -> Vec<u32> {
        self.servers().iter().filter_map(|s| s.pid()).collect()
    }

    /// Kills every Redis process.
    pub fn stop(&mut self) {
        match &mut self.backend {
            Backend::Single(s) => s.stop(),
            Backend::Cluster(c) => {
                for i in 0..c.nodes().len() {
                    c.node_mut(i).stop();
                }
            }
        }
    }

    /// Starts them again on the same ports and directories.
    pub fn restart(&mut self) {
        tokio::task::block_in_place(|| match &mut self.backend {
            Backend::Single(s) => s.restart().unwrap(),
            Backend::Cluster(c) => {
                for i in 0..c.nodes().len() {
                    c.node_mut(i).restart().unwrap();
                }
                c.wait_ok(CLUSTER_TIMEOUT).unwrap();
            }
        })
    }

    /// Runs `cmd` on every node (a raw connection, not the store's).
    pub fn on_every_node(&self, cmd: &redis::Cmd) {
        for server in self.servers() {
            let mut con = server.connection().unwrap();
            cmd.query::<()>(&mut con).unwrap();
        }
    }

    /// Every key under the prefix, on every node, with its TTL and value.
    pub fn dump(&self) -> Vec<Key> {
        let mut out = Vec::new();
        for (node, server) in self.servers().into_iter().enumerate() {
            let mut con = server.connection().unwrap();
            let mut cursor: u64 = 0;
            loop {
                let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(format!("{PREFIX}:*"))
                    .arg("COUNT")
                    .arg(1000)
                    .query(&mut con)
                    .unwrap();
                for key in keys {
                    let kind: String = redis::cmd("TYPE").arg(&key).query(&mut con).unwrap();
                    let pttl_ms: i64 = redis::cmd("PTTL").arg(&key).query(&mut con).unwrap();
                    let value = match kind.as_str() {
                        "hash" => {
                            let pairs: Vec<(String, String)> =
                                redis::cmd("HGETALL").arg(&key).query(&mut con).unwrap();
                            pairs
                                .iter()
                                .map(|(f, v)| format!("{f}={v}"))
                                .collect::<Vec<_>>()
                                .join(";")
                        }
                        "string" => redis::cmd("GET").arg(&key).query(&mut con).unwrap(),
                        other => panic!("unexpected key type {other} for {key}"),
                    };
                    out.push(Key {
                        key,
                        node,
                        kind,
                        pttl_ms,
                        value,
                    });
                }
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }
}

/// The store key of a code or token: its SHA-256, base64url (as the server computes it).
pub fn hash(token: &str) -> String {
    sesame_core::base64url::encode(ring::digest::digest(
        &ring::digest::SHA256,
        token.as_bytes(),
    ))
}

/// Now, to the millisecond (what the store keeps).
pub fn now_ms() -> SystemTime {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap())
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn unique() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
