//! Redis's own memory per record: what each login, each pending code and
//! each server-side session costs a real `redis-server` (started on
//! loopback for the run), next to the bytes Sesame writes for it.
//!
//! `cargo bench -p sesame-e2e --bench redis_memory` (run by `cargo xtask
//! bench --memory`). For each kind of record, `N` records are written
//! into an empty database and Redis's `used_memory` (`INFO memory`) is read
//! before and after; the difference per record is what Redis holds for
//! it, and what is above the written bytes (keys, field names and values)
//! is Redis's per-key overhead (its key table and expiry entries, object
//! headers, the hash's encoding). One `MEMORY USAGE` sample of each key
//! kind is printed beside it.
//!
//! * **a whole login on the authorization server**: approve (saves the
//!   code), then `/token` with the code and its PKCE verifier (takes the
//!   code, saves the refresh token). The used code's record stays until
//!   its 60 s expire, to detect a replay; the refresh record stays for
//!   the refresh token's lifetime.
//! * **a pending code**: approved, not yet redeemed.
//! * **a relying party's server-side session** (`SessionStorage::Server`):
//!   the sealed record `Sessions::save` writes, put through
//!   `RedisStore`'s `SessionStore`.
//!
//! The login and the pending code are measured twice: with Redis's default
//! `hash-max-listpack-value` (64: a record whose grant JSON is longer is
//! kept as a hash table) and with 1024 (kept as one compact listpack), to
//! show operators what the setting saves. A session is a string, which the
//! setting does not touch.
use std::time::{Duration, SystemTime};

use serde_json::json;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::session::{Session, SessionConfig, SessionStorage, SessionStore, Sessions};
use sesame_server::{AuthorizationServer, Store};

#[path = "support/authorization.rs"]
mod authorization;
use authorization::{redemption, server};

const PREFIX: &str = "mem";

async fn approve(s: &AuthorizationServer, store: &dyn Store, i: u64) -> String {
    let claims = json!({"email": format!("user{i}@example.com"), "role": "member"});
    authorization::approve(
        s,
        store,
        &format!("user-{i}"),
        claims.as_object().cloned().unwrap_or_default(),
        &ring::rand::SystemRandom::new(),
    )
    .await
}

/// A signed-in user's session as the relying party keeps it: tokens of
/// the sizes a JWT-issuing provider hands out (a ~900-byte access token
/// and ID token, an opaque refresh token).
fn session(i: u64) -> Session {
    let now = sesame_core::time::unix_seconds(SystemTime::now());
    serde_json::from_value(json!({
        "id": format!("{i:022}"),
        "provider": "op",
        "identity": {"provider": "op", "id": format!("user-{i}"),
                      "email": format!("user{i}@example.com"), "email_verified": true,
                      "name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace",
                      "preferred_username": null, "picture": null, "locale": null, "raw": {}},
        "user": null,
        "linked": [],
        "tokens": {"access_token": "a".repeat(900), "token_type": "Bearer",
                   "refresh_token": "r".repeat(43), "id_token": "i".repeat(900),
                   "expires_at": now + 3600, "scopes": ["openid", "email", "profile"]},
        "issuer": "https://op.example",
        "sid": format!("sid-{i}"),
        "created_at": now,
        "last_active": now,
    }))
    .expect("session")
}

fn used_memory(conn: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query(conn)
        .expect("INFO memory");
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("used_memory")
}

/// The bytes stored under every key of the database: key names, and the
/// values (a string's value, a hash's field names and values).
fn written_bytes(conn: &mut redis::Connection) -> (u64, u64) {
    let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(conn).expect("KEYS");
    let mut bytes = 0u64;
    for key in &keys {
        bytes += key.len() as u64;
        let kind: String = redis::cmd("TYPE").arg(key).query(conn).expect("TYPE");
        if kind == "hash" {
            let all: Vec<Vec<u8>> = redis::cmd("HGETALL").arg(key).query(conn).expect("HGETALL");
            bytes += all.iter().map(|b| b.len() as u64).sum::<u64>();
        } else {
            let v: Vec<u8> = redis::cmd("GET").arg(key).query(conn).expect("GET");
            bytes += v.len() as u64;
        }
    }
    (keys.len() as u64, bytes)
}

/// `MEMORY USAGE` of one key matching `pattern`.
fn sample_usage(conn: &mut redis::Connection, pattern: &str) -> Option<u64> {
    let keys: Vec<String> = redis::cmd("KEYS").arg(pattern).query(conn).ok()?;
    let key = keys.into_iter().next()?;
    redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(&key)
        .arg("SAMPLES")
        .arg(0)
        .query(conn)
        .ok()
}

fn flush(conn: &mut redis::Connection) -> u64 {
    let _: () = redis::cmd("FLUSHALL")
        .arg("SYNC")
        .query(conn)
        .expect("FLUSHALL");
    used_memory(conn)
}

fn report(label: &str, n: u64, before: u64, conn: &mut redis::Connection, patterns: &[&str]) {
    let after = used_memory(conn);
    let (keys, written) = written_bytes(conn);
    let per = after.saturating_sub(before) as f64 / n as f64;
    let written_per = written as f64 / n as f64;
    println!(
        "redis memory: {label}: {:.2} keys, {written_per:.0} bytes written, {per:.0} bytes of used_memory per record \
         (Redis's overhead {:.0} bytes per record, {:.0} per key)",
        keys as f64 / n as f64,
        per - written_per,
        (per - written_per) * n as f64 / keys.max(1) as f64,
    );
    for p in patterns {
        if let Some(usage) = sample_usage(conn, p) {
            println!("  MEMORY USAGE of one {p} key: {usage} bytes");
        }
    }
}

fn main() {
    if !sesame_redis::testing::redis_server_available() {
        println!("redis memory: skipped (no redis-server)");
        return;
    }
    // `cargo bench` passes `--bench`; a number sets N.
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let redis = sesame_redis::testing::RedisServer::start().expect("redis-server");
    let mut conn = redis.connection().expect("connection");
    let store = rt
        .block_on(sesame_redis::RedisStore::connect(&redis.url(), PREFIX))
        .expect("redis store");
    let s = server();
    println!("redis memory: {n} records of each kind, one redis-server");

    for listpack in [None, Some(1024)] {
        let setting = match listpack {
            None => String::new(),
            Some(v) => {
                let _: () = redis::cmd("CONFIG")
                    .arg("SET")
                    .arg("hash-max-listpack-value")
                    .arg(v)
                    .query(&mut conn)
                    .expect("CONFIG SET");
                format!(", hash-max-listpack-value {v}")
            }
        };
        // Whole logins on the authorization server.
        let before = flush(&mut conn);
        rt.block_on(async {
            for i in 0..n {
                let code = approve(&s, &store, i).await;
                let resp = s
                    .token(
                        &redemption(&code),
                        &store,
                        SystemTime::now(),
                        &ring::rand::SystemRandom::new(),
                    )
                    .await;
                assert_eq!(
                    resp.status(),
                    200,
                    "{:?}",
                    String::from_utf8_lossy(resp.body())
                );
            }
        });
        report(
            &format!("a whole login (used code + refresh token){setting}"),
            n,
            before,
            &mut conn,
            &["mem:code:*", "mem:{*}:rt:*"],
        );

        // Pending codes.
        let before = flush(&mut conn);
        rt.block_on(async {
            for i in 0..n {
                approve(&s, &store, i).await;
            }
        });
        report(
            &format!("a pending code{setting}"),
            n,
            before,
            &mut conn,
            &["mem:code:*"],
        );
    }

    // Server-side sessions of a relying party.
    let before = flush(&mut conn);
    let rules = Sessions::new(
        SessionConfig::default().storage(SessionStorage::Server),
        Sealer::new(SealingKey::from_bytes([4; 32])),
    );
    let rng = ring::rand::SystemRandom::new();
    rt.block_on(async {
        for i in 0..n {
            let now = SystemTime::now();
            let save = rules.save(&session(i), now, &rng).expect("save");
            let write = save.write.expect("a server record");
            store
                .put(
                    &write.key,
                    &write.value,
                    write.ttl.max(Duration::from_secs(60)),
                    now,
                )
                .await
                .expect("put");
        }
    });
    report("a server-side session", n, before, &mut conn, &["mem:*"]);
}
