//! Throwaway Redis servers for test suites (the `testing` feature).
//!
//! [`RedisServer`] starts `redis-server` (from `PATH`, or the file named by
//! `SESAME_REDIS_SERVER`) on `127.0.0.1` and a free port, in its own
//! temporary directory, in the foreground (`--daemonize no`), and waits
//! until it answers `PING`. [`RedisCluster`] starts three of them with
//! cluster mode on, gives each a third of the slots, joins them and waits
//! for `cluster_state:ok` (what `redis-cli --cluster create … --cluster-replicas 0`
//! does, without needing `redis-cli`). Dropping either kills the processes
//! (by their pid) and removes the directories. Every wait is bounded.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use sesame_redis::testing::{RedisCluster, RedisServer};
//! let single = RedisServer::start()?;
//! let cluster = RedisCluster::start()?;
//! // RedisStore::connect(&single.url(), "test"),
//! // RedisStore::connect_cluster(&["redis://127.0.0.1:…", …], "test"),
//! // or RedisStore::from_env_value(&cluster.env_value(), "test").
//! # let _ = (single.url(), cluster.env_value()); Ok(()) }
//! ```

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a server may take to answer `PING` after it is started.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a cluster may take to reach `cluster_state:ok`.
pub const CLUSTER_TIMEOUT: Duration = Duration::from_secs(20);

const LOOPBACK: &str = "127.0.0.1";
/// A cluster node also listens on its port + 10000 (the cluster bus).
const BUS_OFFSET: u16 = 10_000;
const SLOTS: u16 = 16_384;

/// The `redis-server` program run: `SESAME_REDIS_SERVER`, else from `PATH`.
pub fn redis_server_program() -> PathBuf {
    std::env::var_os("SESAME_REDIS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("redis-server"))
}

/// Whether `redis-server` can be run here.
pub fn redis_server_available() -> bool {
    Command::new(redis_server_program())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// A port free on loopback now (and, for a cluster node, its bus port too).
fn free_port(cluster: bool) -> io::Result<u16> {
    for _ in 0..100 {
        let listener = TcpListener::bind((LOOPBACK, 0))?;
        let port = listener.local_addr()?.port();
        if !cluster {
            return Ok(port);
        }
        let Some(bus) = port.checked_add(BUS_OFFSET) else {
            continue;
        };
        if TcpListener::bind((LOOPBACK, bus)).is_ok() {
            return Ok(port);
        }
    }
    Err(other("no free port on loopback"))
}

fn temp_dir(port: u16) -> io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sesame-redis-{}-{}-{port}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Sends `PING` over a fresh TCP connection: whether `+PONG` came back.
fn pings(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = s.set_write_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    while !got.ends_with(b"\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got.starts_with(b"+PONG")
}

/// One `redis-server` process on `127.0.0.1`, killed when dropped.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    aof: bool,
    cluster: bool,
}

impl RedisServer {
    /// Starts a server without persistence (`--save ""`, no AOF).
    pub fn start() -> io::Result<Self> {
        Self::launch(false, false)
    }

    /// Starts a server that logs every write to its AOF and syncs it
    /// (`--appendonly yes --appendfsync always`), so that a
    /// [`restart`](Self::restart) keeps what was written, even after a kill.
    pub fn start_with_aof() -> io::Result<Self> {
        Self::launch(true, false)
    }

    fn launch(aof: bool, cluster: bool) -> io::Result<Self> {
        let mut last = other("redis-server did not start");
        // A port found free may be taken before redis-server binds it: retry.
        for _ in 0..5 {
            let port = free_port(cluster)?;
            let mut server = RedisServer {
                child: None,
                port,
                dir: temp_dir(port)?,
                aof,
                cluster,
            };
            match server.spawn() {
                Ok(()) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn spawn(&mut self) -> io::Result<()> {
        // `SESAME_REDIS_CPUS` (a `taskset -c` list) keeps the server on its
        // own cores, as on its own host (benchmarks set it).
        let mut cmd = match std::env::var("SESAME_REDIS_CPUS") {
            Ok(cpus) if !cpus.is_empty() => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(cpus).arg(redis_server_program());
                c
            }
            _ => Command::new(redis_server_program()),
        };
        cmd.current_dir(&self.dir)
            .arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", LOOPBACK, "--protected-mode", "yes"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--daemonize", "no", "--logfile", "redis.log"])
            .args(["--save", ""]);
        if self.aof {
            cmd.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            cmd.args(["--appendonly", "no"]);
        }
        if self.cluster {
            cmd.args(["--cluster-enabled", "yes"])
                .args(["--cluster-config-file", "nodes.conf"])
                .args(["--cluster-node-timeout", "3000"]);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot run {}: {e}", redis_server_program().display()),
                )
            })?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if pings(self.port) {
                return Ok(());
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                return Err(other(format!(
                    "redis-server exited ({status}) on port {}; see {}",
                    self.port,
                    self.dir.join("redis.log").display()
                )));
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(other(format!(
                    "redis-server on port {} did not answer PING within {START_TIMEOUT:?}",
                    self.port
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its port on `127.0.0.1`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://{LOOPBACK}:{}", self.port)
    }

    /// Its working directory (data, AOF, `nodes.conf`, `redis.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The process id while it runs (to pause it with `kill -STOP`, say).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills the process (its port closes at once; the directory stays).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops it if running and starts it again on the same port with the
    /// same directory (so an AOF, or a cluster node's `nodes.conf`, is
    /// read back).
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        // The port was just closed by this process: retry briefly.
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.spawn() {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// A plain (synchronous) connection to inspect or prepare data.
    pub fn connection(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(self.url())?.get_connection_with_timeout(Duration::from_secs(2))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A Redis Cluster of three masters (no replicas) on `127.0.0.1`.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts three nodes without persistence and forms the cluster.
    pub fn start() -> io::Result<Self> {
        Self::launch(false)
    }

    /// Starts three nodes with a synced AOF each and forms the cluster.
    pub fn start_with_aof() -> io::Result<Self> {
        Self::launch(true)
    }

    fn launch(aof: bool) -> io::Result<Self> {
        let nodes = (0..3)
            .map(|_| RedisServer::launch(aof, true))
            .collect::<io::Result<Vec<_>>>()?;
        let cluster = RedisCluster { nodes };
        let per = SLOTS / 3;
        let mut conns = cluster
            .nodes
            .iter()
            .map(|n| n.connection().map_err(other))
            .collect::<io::Result<Vec<_>>>()?;
        for (i, con) in conns.iter_mut().enumerate() {
            let i = u16::try_from(i).map_err(other)?;
            let first = i * per;
            let last = if i == 2 { SLOTS - 1 } else { first + per - 1 };
            redis::cmd("CLUSTER")
                .arg("SET-CONFIG-EPOCH")
                .arg(i + 1)
                .query::<()>(con)
                .map_err(other)?;
            redis::cmd("CLUSTER")
                .arg("ADDSLOTS")
                .arg((first..=last).collect::<Vec<u16>>())
                .query::<()>(con)
                .map_err(other)?;
        }
        for node in &cluster.nodes[1..] {
            redis::cmd("CLUSTER")
                .arg("MEET")
                .arg(LOOPBACK)
                .arg(node.port())
                .query::<()>(&mut conns[0])
                .map_err(other)?;
        }
        cluster.wait_ok(CLUSTER_TIMEOUT)?;
        Ok(cluster)
    }

    /// Waits until every running node reports `cluster_state:ok`, knows
    /// the three nodes and sees all slots served.
    pub fn wait_ok(&self, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.nodes.iter().all(Self::node_ok) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(other(format!(
                    "the cluster did not reach cluster_state:ok within {timeout:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn node_ok(node: &RedisServer) -> bool {
        let Ok(mut con) = node.connection() else {
            return false;
        };
        let Ok(info) = redis::cmd("CLUSTER").arg("INFO").query::<String>(&mut con) else {
            return false;
        };
        info.contains("cluster_state:ok")
            && info.contains("cluster_known_nodes:3")
            && info.contains(&format!("cluster_slots_ok:{SLOTS}"))
    }

    /// The nodes.
    pub fn nodes(&self) -> &[RedisServer] {
        &self.nodes
    }

    /// Node `i` (0, 1 or 2), to stop or restart it.
    pub fn node_mut(&mut self, i: usize) -> &mut RedisServer {
        &mut self.nodes[i]
    }

    /// Restarts node `i` (same port, same `nodes.conf`) and waits for the
    /// cluster to be whole again.
    pub fn restart_node(&mut self, i: usize) -> io::Result<()> {
        self.nodes[i].restart()?;
        self.wait_ok(CLUSTER_TIMEOUT)
    }

    /// Every node's `redis://127.0.0.1:<port>`.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The URLs as a comma-separated list (the `SESAME_REDIS_URL` form).
    pub fn env_value(&self) -> String {
        self.urls().join(",")
    }
}
