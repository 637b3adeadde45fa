//! The authorization server's `/token` in process (no HTTP, so the store
//! is what differs): a code + PKCE redemption and a refresh rotation, one
//! at a time and 64 at once, on
//! MemoryStore, on one Redis and on a three-node Redis Cluster — real
//! `redis-server` processes on loopback, in the same run. Prints the Redis
//! round trips each grant costs.
//!
//! With `SESAME_BENCH_CPUS` (a `taskset -c` list) the benchmark runs on
//! those cores only; with `SESAME_REDIS_CPUS` the `redis-server`s run on
//! theirs. `cargo xtask bench` sets both (0 and 1), so that Redis's own CPU
//! is not taken from the server it serves, as when Redis has its own host;
//! MemoryStore then gets the same one core.
use std::sync::Arc;
use std::time::SystemTime;

use criterion::{criterion_group, Criterion, Throughput};
use sesame_server::{AuthorizationServer, MemoryStore, Store};

#[path = "support/authorization.rs"]
mod authorization;
use authorization::{approve, redemption, server, token_request};

async fn redeem(
    s: &AuthorizationServer,
    store: &dyn Store,
    rng: &dyn sesame_core::random::Random,
) -> serde_json::Value {
    let c = approve(s, store, "alice", serde_json::Map::new(), rng).await;
    let resp = s
        .token(&redemption(&c), store, SystemTime::now(), rng)
        .await;
    assert_eq!(resp.status(), 200);
    serde_json::from_slice(resp.body()).expect("json")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let single = sesame_redis::testing::RedisServer::start().expect("redis-server");
    let cluster = sesame_redis::testing::RedisCluster::start().expect("redis cluster");
    let nodes: Vec<String> = cluster.nodes().iter().map(|n| n.url()).collect();
    let redis = rt
        .block_on(sesame_redis::RedisStore::connect(&single.url(), "bench"))
        .expect("redis store");
    let node_refs: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let clustered = rt
        .block_on(sesame_redis::RedisStore::connect_cluster(
            &node_refs, "bench",
        ))
        .expect("cluster store");
    let stores: Vec<(&str, Arc<dyn Store>, Option<&sesame_redis::RedisStore>)> = vec![
        ("memory", Arc::new(MemoryStore::default()), None),
        ("redis", Arc::new(redis.clone()), Some(&redis)),
        (
            "redis-cluster",
            Arc::new(clustered.clone()),
            Some(&clustered),
        ),
    ];
    let s = Arc::new(server());
    let rng = ring::rand::SystemRandom::new();
    let mut group = c.benchmark_group("token_endpoint");
    group.throughput(Throughput::Elements(1));
    for (name, store, counter) in &stores {
        // Round trips per grant, measured once outside the timing.
        if let Some(r) = counter {
            let before = r.requests_sent();
            let issued = rt.block_on(redeem(&s, store.as_ref(), &rng));
            let after_code = r.requests_sent();
            let rt_token = issued["refresh_token"].as_str().unwrap_or("").to_owned();
            let resp = rt.block_on(s.token(
                &token_request(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &rt_token),
                ]),
                store.as_ref(),
                SystemTime::now(),
                &rng,
            ));
            assert_eq!(resp.status(), 200);
            println!(
                "{name}: Redis requests per login (save code, the throttle read, redeem) {}, per refresh rotation {}",
                after_code - before,
                r.requests_sent() - after_code
            );
        }
        group.bench_function(format!("{name}/code_redemption"), |b| {
            b.iter(|| rt.block_on(redeem(&s, store.as_ref(), &rng)));
        });
        // Many logins at once, as a loaded server sees them: one Redis
        // connection multiplexes the concurrent round trips.
        group.bench_function(format!("{name}/code_redemption_64_concurrent"), |b| {
            b.iter_custom(|iters| {
                let started = std::time::Instant::now();
                for _ in 0..iters.div_ceil(64) {
                    rt.block_on(async {
                        let tasks: Vec<_> = (0..64)
                            .map(|_| {
                                let (s, store) = (Arc::clone(&s), Arc::clone(store));
                                tokio::spawn(async move {
                                    let rng = ring::rand::SystemRandom::new();
                                    redeem(&s, store.as_ref(), &rng).await
                                })
                            })
                            .collect();
                        for t in tasks {
                            t.await.expect("task");
                        }
                    });
                }
                started.elapsed() * u32::try_from(iters).unwrap_or(1)
                    / u32::try_from(iters.div_ceil(64) * 64).unwrap_or(1)
            });
        });
        let first = rt.block_on(redeem(&s, store.as_ref(), &rng));
        let mut refresh = first["refresh_token"].as_str().unwrap_or("").to_owned();
        group.bench_function(format!("{name}/refresh_rotation"), |b| {
            b.iter(|| {
                let resp = rt.block_on(s.token(
                    &token_request(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]),
                    store.as_ref(),
                    SystemTime::now(),
                    &rng,
                ));
                let body: serde_json::Value = serde_json::from_slice(resp.body()).expect("json");
                refresh = body["refresh_token"].as_str().expect("rotated").to_owned();
            });
        });
        // 64 sessions refreshing at once, each rotating its own token.
        let mut chains: Vec<String> = (0..64)
            .map(|_| {
                let issued = rt.block_on(redeem(&s, store.as_ref(), &rng));
                issued["refresh_token"].as_str().unwrap_or("").to_owned()
            })
            .collect();
        group.bench_function(format!("{name}/refresh_rotation_64_concurrent"), |b| {
            b.iter_custom(|iters| {
                let started = std::time::Instant::now();
                for _ in 0..iters.div_ceil(64) {
                    chains = rt.block_on(async {
                        let tasks: Vec<_> = chains
                            .drain(..)
                            .map(|token| {
                                let (s, store) = (Arc::clone(&s), Arc::clone(store));
                                tokio::spawn(async move {
                                    let rng = ring::rand::SystemRandom::new();
                                    let resp = s
                                        .token(
                                            &token_request(&[
                                                ("grant_type", "refresh_token"),
                                                ("refresh_token", &token),
                                            ]),
                                            store.as_ref(),
                                            SystemTime::now(),
                                            &rng,
                                        )
                                        .await;
                                    let body: serde_json::Value =
                                        serde_json::from_slice(resp.body()).expect("json");
                                    body["refresh_token"].as_str().expect("rotated").to_owned()
                                })
                            })
                            .collect();
                        let mut next = Vec::with_capacity(64);
                        for t in tasks {
                            next.push(t.await.expect("task"));
                        }
                        next
                    });
                }
                started.elapsed() * u32::try_from(iters).unwrap_or(1)
                    / u32::try_from(iters.div_ceil(64) * 64).unwrap_or(1)
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
fn main() {
    if let Some(cpus) = std::env::var_os("SESAME_BENCH_CPUS") {
        if std::env::var_os("SESAME_BENCH_PINNED").is_none() {
            // Run again under taskset, on those cores.
            let status = std::process::Command::new("taskset")
                .arg("-c")
                .arg(cpus)
                .arg(std::env::current_exe().expect("own path"))
                .args(std::env::args_os().skip(1))
                .env("SESAME_BENCH_PINNED", "1")
                .status()
                .expect("taskset");
            std::process::exit(status.code().unwrap_or(1));
        }
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
