//! `RedisStore` against a real `redis-server`: each scenario runs on a
//! single Redis and on a 3-master Redis Cluster.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use sesame_redis::testing::RedisServer;
use sesame_redis::{ConnectError, RedisStore};
use sesame_server::{
    CodeGrant, CodeTake, Failures, FirstRefresh, RefreshGrant, RefreshTake, Store, StoreError,
};
use support::{both, hash, now_ms, secs, Env};

fn code_grant(family: &str, expires_at: SystemTime) -> CodeGrant {
    let claims = json!({"role": "admin", "email": "ada@example.com"});
    CodeGrant {
        client_id: "web".into(),
        redirect_uri: "https://app.example/cb".into(),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        scopes: vec!["openid".into(), "api:read".into()],
        subject: "user-42".into(),
        claims: claims.as_object().cloned().unwrap(),
        nonce: Some("n-1".into()),
        expires_at,
        family: family.into(),
        dpop_jkt: None,
    }
}

fn refresh_grant(family: &str, expires_at: SystemTime) -> RefreshGrant {
    RefreshGrant {
        family: family.into(),
        client_id: "web".into(),
        subject: "user-42".into(),
        scopes: vec!["openid".into(), "api:read".into()],
        claims: json!({"role": "admin"}).as_object().cloned().unwrap(),
        expires_at,
        dpop_jkt: None,
    }
}

// --- codes ---------------------------------------------------------------

async fn code_is_single_use(env: Env) {
    let s = &env.store;
    let now = now_ms();
    let grant = code_grant("fam-code", now + secs(60));
    s.save_code(&hash("code-1"), grant.clone()).await.unwrap();
    assert_eq!(
        s.take_code(&hash("code-1"), now).await.unwrap(),
        CodeTake::Fresh(grant)
    );
    assert_eq!(
        s.take_code(&hash("code-1"), now).await.unwrap(),
        CodeTake::Replayed("fam-code".into())
    );
    // Still told apart from an unknown code after its expiry (per `now`), like MemoryStore.
    assert_eq!(
        s.take_code(&hash("code-1"), now + secs(61)).await.unwrap(),
        CodeTake::Replayed("fam-code".into())
    );
    assert_eq!(
        s.take_code(&hash("unknown"), now).await.unwrap(),
        CodeTake::Missing
    );
    // Expired by the server's clock (the key still lives in Redis).
    s.save_code(&hash("code-2"), code_grant("f2", now + secs(60)))
        .await
        .unwrap();
    assert_eq!(
        s.take_code(&hash("code-2"), now + secs(60)).await.unwrap(),
        CodeTake::Missing
    );
    // Saved already expired: the key is gone at once.
    s.save_code(&hash("code-3"), code_grant("f3", now - secs(1)))
        .await
        .unwrap();
    assert_eq!(
        s.take_code(&hash("code-3"), now - secs(2)).await.unwrap(),
        CodeTake::Missing
    );
}
both!(code_is_single_use);

async fn fifty_concurrent_redemptions_one_wins(env: Env) {
    let now = now_ms();
    env.store
        .save_code(&hash("race"), code_grant("fam-race", now + secs(60)))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let s = Arc::clone(&env.store);
            tokio::spawn(async move { s.take_code(&hash("race"), now).await.unwrap() })
        })
        .collect();
    let mut fresh = 0;
    for t in tasks {
        match t.await.unwrap() {
            CodeTake::Fresh(_) => fresh += 1,
            CodeTake::Replayed(f) => assert_eq!(f, "fam-race"),
            CodeTake::Missing => panic!("a live code was missing"),
        }
    }
    assert_eq!(fresh, 1);
}
both!(fifty_concurrent_redemptions_one_wins);

// --- refresh tokens --------------------------------------------------------

async fn refresh_is_current_once_then_reused(env: Env) {
    let s = &env.store;
    let now = now_ms();
    let grant = refresh_grant("fam-rt", now + secs(3600));
    s.save_refresh(&hash("rt-1"), grant.clone()).await.unwrap();
    assert_eq!(
        s.find_refresh(&hash("rt-1"), now).await.unwrap(),
        Some(grant.clone())
    );
    assert_eq!(
        s.take_refresh(&hash("rt-1"), now).await.unwrap(),
        RefreshTake::Current(grant)
    );
    assert_eq!(s.find_refresh(&hash("rt-1"), now).await.unwrap(), None);
    assert_eq!(
        s.take_refresh(&hash("rt-1"), now).await.unwrap(),
        RefreshTake::Reused("fam-rt".into())
    );
    assert_eq!(
        s.take_refresh(&hash("unknown"), now).await.unwrap(),
        RefreshTake::Missing
    );
    assert_eq!(s.find_refresh(&hash("unknown"), now).await.unwrap(), None);
    // Expired by the server's clock.
    s.save_refresh(&hash("rt-2"), refresh_grant("fam-rt", now + secs(60)))
        .await
        .unwrap();
    let later = now + secs(60);
    assert_eq!(s.find_refresh(&hash("rt-2"), later).await.unwrap(), None);
    assert_eq!(
        s.take_refresh(&hash("rt-2"), later).await.unwrap(),
        RefreshTake::Missing
    );
}
both!(refresh_is_current_once_then_reused);

async fn forty_concurrent_rotations_one_wins(env: Env) {
    let now = now_ms();
    env.store
        .save_refresh(&hash("rt-race"), refresh_grant("fam-x", now + secs(3600)))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let s = Arc::clone(&env.store);
            tokio::spawn(async move { s.take_refresh(&hash("rt-race"), now).await.unwrap() })
        })
        .collect();
    let mut current = 0;
    for t in tasks {
        match t.await.unwrap() {
            RefreshTake::Current(_) => current += 1,
            RefreshTake::Reused(f) => assert_eq!(f, "fam-x"),
            RefreshTake::Missing => panic!("a live token was missing"),
        }
    }
    assert_eq!(current, 1);
}
both!(forty_concurrent_rotations_one_wins);

async fn a_revoked_family_is_missing(env: Env) {
    let s = &env.store;
    let now = now_ms();
    s.save_refresh(&hash("rt-a"), refresh_grant("fam-a", now + secs(3600)))
        .await
        .unwrap();
    s.save_refresh(&hash("rt-b"), refresh_grant("fam-b", now + secs(3600)))
        .await
        .unwrap();
    assert!(!s.is_family_revoked("fam-a").await.unwrap());
    s.revoke_family("fam-a", now + secs(7200)).await.unwrap();
    assert!(s.is_family_revoked("fam-a").await.unwrap());
    assert!(!s.is_family_revoked("fam-b").await.unwrap());
    assert_eq!(s.find_refresh(&hash("rt-a"), now).await.unwrap(), None);
    assert_eq!(
        s.take_refresh(&hash("rt-a"), now).await.unwrap(),
        RefreshTake::Missing
    );
    assert!(s.find_refresh(&hash("rt-b"), now).await.unwrap().is_some());
    // A later, shorter revocation does not shorten it.
    s.revoke_family("fam-a", now + secs(10)).await.unwrap();
    let marker = env
        .dump()
        .into_iter()
        .find(|k| k.key.ends_with(":revoked"))
        .unwrap();
    assert!(marker.pttl_ms > 7_000_000, "{marker:?}");
    // Families with unusual names still keep their keys in one slot (the
    // cluster would refuse the script otherwise).
    for family in ["", "a}b{c", "été", "x:y"] {
        let h = hash(&format!("rt-odd-{family}"));
        s.save_refresh(&h, refresh_grant(family, now + secs(60)))
            .await
            .unwrap();
        s.revoke_family(family, now + secs(60)).await.unwrap();
        assert!(s.is_family_revoked(family).await.unwrap());
        assert_eq!(s.take_refresh(&h, now).await.unwrap(), RefreshTake::Missing);
    }
}
both!(a_revoked_family_is_missing);

// --- what Redis holds --------------------------------------------------------

async fn every_key_has_a_ttl(env: Env) {
    let s = &env.store;
    let now = now_ms();
    s.save_code(&hash("c-used"), code_grant("f1", now + secs(60)))
        .await
        .unwrap();
    s.take_code(&hash("c-used"), now).await.unwrap();
    s.save_code(&hash("c-new"), code_grant("f2", now + secs(60)))
        .await
        .unwrap();
    s.save_refresh(&hash("r-used"), refresh_grant("f1", now + secs(3600)))
        .await
        .unwrap();
    s.take_refresh(&hash("r-used"), now).await.unwrap();
    s.save_refresh(&hash("r-new"), refresh_grant("f1", now + secs(3600)))
        .await
        .unwrap();
    s.revoke_family("f2", now + secs(7200)).await.unwrap();
    let dump = env.dump();
    // 2 codes, 2 pointers, 2 refresh records, 1 revocation.
    assert_eq!(dump.len(), 7, "{dump:#?}");
    if env.store.is_cluster() {
        // The keys really are spread over the cluster's nodes.
        let mut nodes: Vec<usize> = dump.iter().map(|k| k.node).collect();
        nodes.dedup();
        nodes.sort_unstable();
        nodes.dedup();
        assert!(nodes.len() >= 2, "{dump:#?}");
    }
    for k in &dump {
        let max = if k.key.contains(":code:") {
            60_000
        } else if k.key.ends_with(":revoked") {
            7_200_000
        } else {
            3_600_000
        };
        assert!(
            k.pttl_ms > 0 && k.pttl_ms <= max + 1_000,
            "{} has PTTL {}",
            k.key,
            k.pttl_ms
        );
        assert!(
            k.pttl_ms > max - 60_000,
            "{} expires too early: {}",
            k.key,
            k.pttl_ms
        );
    }
}
both!(every_key_has_a_ttl);

async fn redis_holds_hashes_not_tokens(env: Env) {
    let s = &env.store;
    let now = now_ms();
    let code = "SECRET-CODE-Xq9vP2mL8kT4wZ7bN1cR5sD3";
    let old_rt = "SECRET-RT1-Hj6yG0fA2eU8iO4pK7lM9nB5";
    let new_rt = "SECRET-RT2-Qw3eR5tY7uI9oP1aS2dF4gH6";
    s.save_code(&hash(code), code_grant("fam-s", now + secs(60)))
        .await
        .unwrap();
    s.take_code(&hash(code), now).await.unwrap();
    s.save_refresh(&hash(old_rt), refresh_grant("fam-s", now + secs(3600)))
        .await
        .unwrap();
    s.take_refresh(&hash(old_rt), now).await.unwrap();
    s.save_refresh(&hash(new_rt), refresh_grant("fam-s", now + secs(3600)))
        .await
        .unwrap();
    let dump = env.dump();
    assert_eq!(dump.len(), 5, "{dump:#?}");
    for k in &dump {
        for secret in [code, old_rt, new_rt, "SECRET"] {
            assert!(
                !k.key.contains(secret) && !k.value.contains(secret),
                "{k:?}"
            );
        }
    }
    let prefix = env.store.prefix().to_owned();
    let keys: Vec<&str> = dump.iter().map(|k| k.key.as_str()).collect();
    for expected in [
        format!("{prefix}:code:{}", hash(code)),
        format!("{prefix}:rtp:{}", hash(old_rt)),
        format!("{prefix}:rtp:{}", hash(new_rt)),
        format!("{prefix}:{{fam-s}}:rt:{}", hash(old_rt)),
        format!("{prefix}:{{fam-s}}:rt:{}", hash(new_rt)),
    ] {
        assert!(keys.contains(&expected.as_str()), "{expected} in {keys:?}");
    }
    // Used records keep no grant; the live one does.
    for k in &dump {
        let used = k.key.ends_with(&hash(code)) && k.key.contains(":code:")
            || k.key.ends_with(&format!(":rt:{}", hash(old_rt)));
        if used {
            assert!(!k.value.contains("user-42"), "{k:?}");
        }
        if k.key.ends_with(&format!(":rt:{}", hash(new_rt))) {
            assert!(k.value.contains("user-42"), "{k:?}");
        }
    }
}
both!(redis_holds_hashes_not_tokens);

// --- throttling counters and first-wins marks -------------------------------

async fn failure_counters_count_atomically_in_a_fixed_window(env: Env) {
    let now = now_ms();
    let window = secs(600);
    // Fifty failures at once, on as many tasks: each sees its own count.
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let s = Arc::clone(&env.store);
            tokio::spawn(async move {
                s.record_failure("login-user:h-race", window, now)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut before = Vec::new();
    for t in tasks {
        before.push(t.await.unwrap().count);
    }
    before.sort_unstable();
    assert_eq!(before, (0..50).collect::<Vec<u32>>());
    let s = &env.store;
    let seen = s
        .failures("login-user:h-race", now + secs(1))
        .await
        .unwrap();
    assert_eq!(
        seen,
        Failures {
            count: 50,
            latest: Some(now)
        }
    );
    // The latest failure moves forward, never back (a slower clock).
    let b = s
        .record_failure("login-user:h-race", window, now + secs(5))
        .await
        .unwrap();
    assert_eq!(b.count, 50);
    s.record_failure("login-user:h-race", window, now + secs(2))
        .await
        .unwrap();
    let seen = s
        .failures("login-user:h-race", now + secs(6))
        .await
        .unwrap();
    assert_eq!(
        seen,
        Failures {
            count: 52,
            latest: Some(now + secs(5))
        }
    );
    // The window runs from the first failure (by the server's clock); the
    // later ones did not extend it, nor its TTL.
    assert_eq!(
        s.failures("login-user:h-race", now + window).await.unwrap(),
        Failures::default()
    );
    let k = env
        .dump()
        .into_iter()
        .find(|k| k.key.ends_with(":fail:login-user:h-race"))
        .unwrap();
    assert_eq!(k.kind, "hash");
    assert!(k.pttl_ms > 590_000 && k.pttl_ms <= 600_000, "{k:?}");
    assert_eq!(
        s.record_failure("login-user:h-race", window, now + window)
            .await
            .unwrap(),
        Failures::default(),
        "a new window"
    );
    // Taken back: never below zero, never created.
    s.forgive_failure("login-user:h-race", now + window)
        .await
        .unwrap();
    s.forgive_failure("login-user:h-race", now + window)
        .await
        .unwrap();
    let seen = s.failures("login-user:h-race", now + window).await.unwrap();
    assert_eq!(seen.count, 0);
    s.forgive_failure("login-user:none", now).await.unwrap();
    assert!(!env
        .dump()
        .iter()
        .any(|k| k.key.ends_with("login-user:none")));
    // Cleared.
    s.record_failure("login-user:h-race", window, now + window)
        .await
        .unwrap();
    s.clear_failures("login-user:h-race").await.unwrap();
    assert_eq!(
        s.failures("login-user:h-race", now + window).await.unwrap(),
        Failures::default()
    );
    assert!(env.dump().is_empty(), "{:#?}", env.dump());
}
both!(failure_counters_count_atomically_in_a_fixed_window);

async fn put_new_is_first_wins_until_it_expires(env: Env) {
    let now = now_ms();
    let until = now + secs(600);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let s = Arc::clone(&env.store);
            tokio::spawn(async move { s.put_new("login-form:h1", until, now).await.unwrap() })
        })
        .collect();
    let mut firsts = 0;
    for t in tasks {
        firsts += usize::from(t.await.unwrap());
    }
    assert_eq!(firsts, 1);
    let s = &env.store;
    assert!(!s
        .put_new("login-form:h1", until, now + secs(599))
        .await
        .unwrap());
    // Expired by the server's clock (the key still lives in Redis): new again.
    assert!(s
        .put_new("login-form:h1", now + secs(1200), until)
        .await
        .unwrap());
    // Already past: nothing is written.
    assert!(s
        .put_new("login-form:h2", now, now + secs(1))
        .await
        .unwrap());
    let dump = env.dump();
    assert_eq!(dump.len(), 1, "{dump:#?}");
    assert_eq!(dump[0].kind, "string");
    assert!(
        dump[0].pttl_ms > 1_190_000 && dump[0].pttl_ms <= 1_200_000,
        "{dump:#?}"
    );
}
both!(put_new_is_first_wins_until_it_expires);

// --- round trips ----------------------------------------------------------

/// `$op` on the store `$s`, asserting that it sent `$n` requests.
macro_rules! sends {
    ($s:expr, $n:expr, $op:expr) => {{
        let before = $s.requests_sent();
        let out = $op.await.unwrap();
        assert_eq!($s.requests_sent() - before, $n, "{}", stringify!($op));
        out
    }};
}

async fn requests_per_operation_are_as_documented(env: Env) {
    let s = &env.store;
    let now = now_ms();
    let cluster = s.is_cluster();
    sends!(
        s,
        1,
        s.save_code(&hash("c"), code_grant("f", now + secs(60)))
    );
    sends!(s, 1, s.take_code(&hash("c"), now));
    sends!(s, 1, s.take_code(&hash("c"), now));
    sends!(s, 1, s.take_code(&hash("unknown"), now));
    let save_refresh = if cluster { 2 } else { 1 };
    sends!(
        s,
        save_refresh,
        s.save_refresh(&hash("r"), refresh_grant("f", now + secs(60)))
    );
    sends!(s, 2, s.find_refresh(&hash("r"), now));
    sends!(s, 1, s.find_refresh(&hash("unknown"), now));
    sends!(s, 2, s.take_refresh(&hash("r"), now));
    sends!(s, 2, s.take_refresh(&hash("r"), now));
    sends!(s, 1, s.take_refresh(&hash("unknown"), now));
    sends!(s, 1, s.revoke_family("f", now + secs(60)));
    sends!(s, 1, s.is_family_revoked("f"));
    sends!(s, 1, s.record_failure("client:h", secs(60), now));
    sends!(s, 1, s.failures("client:h", now));
    sends!(s, 1, s.forgive_failure("client:h", now));
    sends!(s, 1, s.clear_failures("client:h"));
    sends!(s, 1, s.put_new("login-form:h", now + secs(60), now));
    // Redis forgot the scripts: the first call loads its script again, once.
    env.on_every_node(redis::cmd("SCRIPT").arg("FLUSH"));
    sends!(
        s,
        3,
        s.save_code(&hash("c2"), code_grant("f", now + secs(60)))
    );
    sends!(
        s,
        1,
        s.save_code(&hash("c3"), code_grant("f", now + secs(60)))
    );
    assert!(matches!(
        sends!(s, 3, s.take_code(&hash("c2"), now)),
        CodeTake::Fresh(_)
    ));
}
both!(requests_per_operation_are_as_documented);

/// The store key of a token of `family` (`<family>.<hash>`), as the
/// server makes it for the refresh tokens it issues.
fn key(family: &str, token: &str) -> String {
    format!("{family}.{}", hash(token))
}

async fn keys_that_name_their_family_cost_one_request_each(env: Env) {
    let s = &env.store;
    let now = now_ms();
    let grant = refresh_grant("fam-k", now + secs(60));
    sends!(s, 1, s.save_refresh(&key("fam-k", "r0"), grant.clone()));
    assert_eq!(
        sends!(s, 1, s.find_refresh(&key("fam-k", "r0"), now)),
        Some(grant.clone())
    );
    let later = now + secs(600);
    assert_eq!(
        sends!(
            s,
            1,
            s.rotate_refresh(&key("fam-k", "r0"), &key("fam-k", "r1"), later, now)
        ),
        RefreshTake::Current(grant.clone())
    );
    // The successor is the same grant, expiring when the rotation said.
    let successor = RefreshGrant {
        expires_at: later,
        ..grant.clone()
    };
    assert_eq!(
        sends!(s, 1, s.find_refresh(&key("fam-k", "r1"), now + secs(120))),
        Some(successor.clone())
    );
    // The old token again: reuse, and no second successor.
    assert_eq!(
        sends!(
            s,
            1,
            s.rotate_refresh(&key("fam-k", "r0"), &key("fam-k", "r2"), later, now)
        ),
        RefreshTake::Reused("fam-k".into())
    );
    assert_eq!(sends!(s, 1, s.find_refresh(&key("fam-k", "r2"), now)), None);
    // A forged family finds nothing.
    assert_eq!(
        sends!(s, 1, s.take_refresh(&key("fam-other", "r1"), now)),
        RefreshTake::Missing
    );
    assert_eq!(
        sends!(s, 1, s.take_refresh(&key("fam-k", "r1"), now)),
        RefreshTake::Current(successor)
    );
    // No pointer was written for these keys.
    let pointers = env
        .dump()
        .iter()
        .filter(|k| k.key.contains(":rtp:"))
        .count();
    assert_eq!(pointers, 0, "pointers written for keys naming their family");
}
both!(keys_that_name_their_family_cost_one_request_each);

fn first(key: &str, expires_at: SystemTime, jkt: Option<&str>) -> FirstRefresh {
    FirstRefresh {
        key: key.into(),
        expires_at,
        dpop_jkt: jkt.map(Into::into),
    }
}

async fn a_code_naming_its_family_is_redeemed_in_one_request(env: Env) {
    let s = &env.store;
    let now = now_ms();
    let grant = code_grant("fam-rc", now + secs(60));
    sends!(s, 1, s.save_code(&key("fam-rc", "c"), grant.clone()));
    let f = first(&key("fam-rc", "r0"), now + secs(3600), Some("jkt-\"1"));
    assert_eq!(
        sends!(s, 1, s.redeem_code(&key("fam-rc", "c"), &f, now)),
        CodeTake::Fresh(grant.clone())
    );
    // The first refresh token reads back as the code's grant with its own
    // expiry and DPoP key, and rotates in one request.
    assert_eq!(
        s.find_refresh(&f.key, now).await.unwrap(),
        Some(f.grant(&grant))
    );
    let rotated = sends!(
        s,
        1,
        s.rotate_refresh(&f.key, &key("fam-rc", "r1"), now + secs(60), now)
    );
    assert_eq!(rotated, RefreshTake::Current(f.grant(&grant)));
    // A replay: told so in one request, and no second token.
    let again = first(&key("fam-rc", "r2"), now + secs(3600), None);
    assert_eq!(
        sends!(s, 1, s.redeem_code(&key("fam-rc", "c"), &again, now)),
        CodeTake::Replayed("fam-rc".into())
    );
    assert_eq!(s.find_refresh(&again.key, now).await.unwrap(), None);
    // Unknown or expired: nothing written.
    let unknown = first(&key("fam-rc", "r3"), now + secs(3600), None);
    assert_eq!(
        sends!(s, 1, s.redeem_code(&key("fam-rc", "nope"), &unknown, now)),
        CodeTake::Missing
    );
    s.save_code(&key("fam-ex", "c"), code_grant("fam-ex", now + secs(60)))
        .await
        .unwrap();
    let late = first(&key("fam-ex", "r"), now + secs(3600), None);
    assert_eq!(
        s.redeem_code(&key("fam-ex", "c"), &late, now + secs(60))
            .await
            .unwrap(),
        CodeTake::Missing
    );
    for k in [&unknown.key, &late.key] {
        assert_eq!(s.find_refresh(k, now).await.unwrap(), None, "{k}");
    }
    // The used code keeps no grant and no refresh head, and lives on the
    // node of its family's tokens.
    let dump = env.dump();
    let used = dump
        .iter()
        .find(|k| k.key.contains(":code:fam-rc."))
        .expect("the used code's record");
    let fields: Vec<&str> = used
        .value
        .split(';')
        .map(|f| f.split('=').next().unwrap())
        .collect();
    assert!(!fields.contains(&"g") && !fields.contains(&"r"), "{used:?}");
    assert!(used.value.contains("u=1"), "{used:?}");
    assert!(used.pttl_ms > 0 && used.pttl_ms <= 60_000, "{used:?}");
    let token = dump
        .iter()
        .find(|k| k.key.ends_with(&format!(":rt:{}", key("fam-rc", "r1"))))
        .expect("the rotated token's record");
    assert_eq!(used.node, token.node);
}
both!(a_code_naming_its_family_is_redeemed_in_one_request);

async fn other_codes_are_redeemed_in_two_steps(env: Env) {
    let s = &env.store;
    let now = now_ms();
    // A code keyed by its bare hash (saved before codes named their family).
    let grant = code_grant("fam-old", now + secs(60));
    s.save_code(&hash("old-code"), grant.clone()).await.unwrap();
    let f = first(&key("fam-old", "r"), now + secs(3600), None);
    assert_eq!(
        sends!(s, 2, s.redeem_code(&hash("old-code"), &f, now)),
        CodeTake::Fresh(grant.clone())
    );
    assert_eq!(
        s.find_refresh(&f.key, now).await.unwrap(),
        Some(f.grant(&grant))
    );
    // A code whose key names another family than its grant's: taken in
    // the script, which finds no refresh head, then saved apart.
    let grant = code_grant("fam-b", now + secs(60));
    s.save_code(&key("fam-a", "c"), grant.clone())
        .await
        .unwrap();
    let f = first(&key("fam-a", "r"), now + secs(3600), None);
    let taken = s.redeem_code(&key("fam-a", "c"), &f, now).await.unwrap();
    assert_eq!(taken, CodeTake::Fresh(grant));
}
both!(other_codes_are_redeemed_in_two_steps);

/// Runs `attempt(i)` for `i` in `0..16` at once, each saving its token
/// under `key(family, "t-<i>")` if it wins; checks that exactly one won
/// (`won`) and that only the winner's token lives.
async fn one_of_sixteen_wins<T, F, Fut>(
    s: &Arc<RedisStore>,
    family: &str,
    now: SystemTime,
    attempt: F,
    won: impl Fn(&T) -> bool,
) where
    T: Send + 'static,
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let token = |i: usize| key(family, &format!("t-{i}"));
    let tasks: Vec<_> = (0..16).map(|i| tokio::spawn(attempt(token(i)))).collect();
    let mut winners = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        if won(&t.await.unwrap()) {
            winners.push(token(i));
        }
    }
    assert_eq!(winners.len(), 1, "exactly one wins");
    for i in 0..16 {
        let live = s.find_refresh(&token(i), now).await.unwrap().is_some();
        assert_eq!(live, winners.contains(&token(i)), "{}", token(i));
    }
}

async fn concurrent_redemptions_of_one_code_save_one_token(env: Env) {
    let now = now_ms();
    let s = &env.store;
    s.save_code(&key("fam-cc", "c"), code_grant("fam-cc", now + secs(60)))
        .await
        .unwrap();
    let attempt = |token: String| {
        let s = s.clone();
        async move {
            let f = first(&token, now + secs(600), None);
            s.redeem_code(&key("fam-cc", "c"), &f, now).await.unwrap()
        }
    };
    one_of_sixteen_wins(s, "fam-cc", now, attempt, |taken| match taken {
        CodeTake::Fresh(_) => true,
        other => {
            assert_eq!(other, &CodeTake::Replayed("fam-cc".into()));
            false
        }
    })
    .await;
}
both!(concurrent_redemptions_of_one_code_save_one_token);

async fn a_revoked_family_does_not_rotate(env: Env) {
    let s = &env.store;
    let now = now_ms();
    s.save_refresh(&key("fam-rv", "a"), refresh_grant("fam-rv", now + secs(60)))
        .await
        .unwrap();
    s.revoke_family("fam-rv", now + secs(60)).await.unwrap();
    assert_eq!(
        s.rotate_refresh(
            &key("fam-rv", "a"),
            &key("fam-rv", "b"),
            now + secs(60),
            now
        )
        .await
        .unwrap(),
        RefreshTake::Missing
    );
    assert_eq!(
        s.find_refresh(&key("fam-rv", "b"), now).await.unwrap(),
        None
    );
}
both!(a_revoked_family_does_not_rotate);

async fn concurrent_rotations_of_one_token_yield_one_successor(env: Env) {
    let now = now_ms();
    let s = &env.store;
    s.save_refresh(&key("fam-cr", "t"), refresh_grant("fam-cr", now + secs(60)))
        .await
        .unwrap();
    let attempt = |next: String| {
        let s = s.clone();
        async move {
            s.rotate_refresh(&key("fam-cr", "t"), &next, now + secs(60), now)
                .await
                .unwrap()
        }
    };
    one_of_sixteen_wins(s, "fam-cr", now, attempt, |taken| match taken {
        RefreshTake::Current(_) => true,
        other => {
            assert_eq!(other, &RefreshTake::Reused("fam-cr".into()));
            false
        }
    })
    .await;
}
both!(concurrent_rotations_of_one_token_yield_one_successor);

// --- outages -------------------------------------------------------------

/// Every operation, expected to fail within the bound while Redis is down.
async fn all_fail_quickly(s: &RedisStore) {
    let now = now_ms();
    let bound = Duration::from_secs(3);
    macro_rules! fails {
        ($op:expr) => {{
            let t = Instant::now();
            let r = $op.await;
            let took = t.elapsed();
            assert!(
                r.is_err(),
                "{} succeeded while Redis is down",
                stringify!($op)
            );
            assert_eq!(r.err(), Some(StoreError));
            assert!(took < bound, "{} took {took:?}", stringify!($op));
        }};
    }
    fails!(s.save_code(&hash("down"), code_grant("f", now + secs(60))));
    fails!(s.take_code(&hash("down"), now));
    fails!(s.save_refresh(&hash("down"), refresh_grant("f", now + secs(60))));
    fails!(s.take_refresh(&hash("down"), now));
    fails!(s.find_refresh(&hash("down"), now));
    fails!(s.revoke_family("f", now + secs(60)));
    fails!(s.is_family_revoked("f"));
    fails!(s.record_failure("login-user:down", secs(60), now));
    fails!(s.failures("login-user:down", now));
    fails!(s.forgive_failure("login-user:down", now));
    fails!(s.clear_failures("login-user:down"));
    fails!(s.put_new("login-form:down", now + secs(60), now));
}

/// Retries a save-and-take until it succeeds, within 20 s.
async fn works_again(s: &RedisStore, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = now_ms();
        let h = hash(&format!("{name}-{}", support::unique()));
        let ok = s
            .save_refresh(&h, refresh_grant("fam-back", now + secs(60)))
            .await
            .is_ok()
            && matches!(s.take_refresh(&h, now).await, Ok(RefreshTake::Current(_)));
        if ok {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the store did not recover after Redis came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn an_outage_is_a_store_error_then_it_recovers(mut env: Env) {
    let now = now_ms();
    env.store
        .save_code(&hash("before"), code_grant("f", now + secs(60)))
        .await
        .unwrap();
    env.stop();
    all_fail_quickly(&env.store).await;
    // A second round: the reconnection attempts must not pile up.
    all_fail_quickly(&env.store).await;
    env.restart();
    works_again(&env.store, "after-restart").await;
    // Every operation works again on the same store.
    let s = &env.store;
    let now = now_ms();
    s.save_code(&hash("after"), code_grant("f", now + secs(60)))
        .await
        .unwrap();
    assert!(matches!(
        s.take_code(&hash("after"), now).await.unwrap(),
        CodeTake::Fresh(_)
    ));
    s.revoke_family("f", now + secs(60)).await.unwrap();
    assert!(s.is_family_revoked("f").await.unwrap());
    // Without persistence the restart lost the code saved before (which
    // is what makes the AOF scenario below meaningful).
    assert_eq!(
        s.take_code(&hash("before"), now).await.unwrap(),
        CodeTake::Missing
    );
}
both!(an_outage_is_a_store_error_then_it_recovers);

/// Sends `signal` to every Redis process.
fn signal(env: &Env, signal: &str) {
    for pid in env.pids() {
        let ok = std::process::Command::new("kill")
            .arg(signal)
            .arg(pid.to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {signal} {pid}");
    }
}

async fn a_hung_redis_is_a_store_error_within_the_timeout(env: Env) {
    // A Redis that accepts but never answers (paused): only the timeout helps.
    let s = RedisStore::clone(&env.store).with_timeout(Duration::from_millis(500));
    let now = now_ms();
    s.save_code(&hash("hang"), code_grant("f", now + secs(60)))
        .await
        .unwrap();
    signal(&env, "-STOP");
    for _ in 0..3 {
        let t = Instant::now();
        assert_eq!(s.take_code(&hash("hang"), now).await, Err(StoreError));
        assert!(
            t.elapsed() < Duration::from_millis(1500),
            "{:?}",
            t.elapsed()
        );
    }
    signal(&env, "-CONT");
    works_again(&s, "after-pause").await;
    // The code was not consumed by the calls that timed out... or was: a
    // timeout does not tell. Either way it is taken at most once.
    let fresh = matches!(
        s.take_code(&hash("hang"), now).await.unwrap(),
        CodeTake::Fresh(_)
    );
    let again = s.take_code(&hash("hang"), now).await.unwrap();
    assert_eq!(
        again,
        CodeTake::Replayed("f".into()),
        "fresh before: {fresh}"
    );
}
both!(a_hung_redis_is_a_store_error_within_the_timeout);

async fn with_aof_a_refresh_token_survives_a_restart(mut env: Env) {
    let now = now_ms();
    let grant = refresh_grant("fam-aof", now + secs(3600));
    env.store
        .save_refresh(&hash("rt-aof"), grant.clone())
        .await
        .unwrap();
    env.store
        .revoke_family("fam-gone", now + secs(3600))
        .await
        .unwrap();
    env.stop();
    env.restart();
    works_again(&env.store, "aof").await;
    let now = now_ms();
    assert!(env.store.is_family_revoked("fam-gone").await.unwrap());
    assert_eq!(
        env.store.take_refresh(&hash("rt-aof"), now).await.unwrap(),
        RefreshTake::Current(grant)
    );
    assert_eq!(
        env.store.take_refresh(&hash("rt-aof"), now).await.unwrap(),
        RefreshTake::Reused("fam-aof".into())
    );
}
both!(with_aof_a_refresh_token_survives_a_restart, aof);

// --- connecting --------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_env_value_picks_single_or_cluster() {
    let single = Env::single().await;
    let s = RedisStore::from_env_value(&single.env_value(), "env")
        .await
        .unwrap();
    assert!(!s.is_cluster());
    assert_eq!(s.timeout(), sesame_redis::DEFAULT_TIMEOUT);
    let cluster = Env::cluster().await;
    let c = RedisStore::from_env_value(&cluster.env_value(), "env")
        .await
        .unwrap()
        .with_timeout(Duration::from_millis(1500));
    assert!(c.is_cluster());
    assert_eq!(c.timeout(), Duration::from_millis(1500));
    for store in [s, c] {
        let now = now_ms();
        store
            .save_code(&hash("env"), code_grant("f", now + secs(60)))
            .await
            .unwrap();
        assert!(matches!(
            store.take_code(&hash("env"), now).await.unwrap(),
            CodeTake::Fresh(_)
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_shows_no_password_and_bad_setups_are_refused() {
    let redis = tokio::task::block_in_place(RedisServer::start).unwrap();
    let mut raw = redis.connection().unwrap();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("hunter2-sesame")
        .query::<()>(&mut raw)
        .unwrap();
    let url = format!("redis://:hunter2-sesame@127.0.0.1:{}", redis.port());
    let store = RedisStore::connect(&url, "pw").await.unwrap();
    let debug = format!("{store:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(
        debug.contains(&format!("127.0.0.1:{}", redis.port())),
        "{debug}"
    );
    assert!(store.is_family_revoked("x").await.is_ok());
    // Wrong password: refused now, not at first use.
    let wrong = format!("redis://:zebra-crossing-42@127.0.0.1:{}", redis.port());
    let err = RedisStore::connect(&wrong, "pw").await.unwrap_err();
    assert!(matches!(err, ConnectError::Connect(_)), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("zebra") && !shown.contains("hunter2"),
        "{shown}"
    );

    assert!(matches!(
        RedisStore::connect(&url, "").await,
        Err(ConnectError::InvalidPrefix)
    ));
    assert!(matches!(
        RedisStore::connect(&url, "{tag}").await,
        Err(ConnectError::InvalidPrefix)
    ));
    assert!(matches!(
        RedisStore::connect_cluster(&[], "p").await,
        Err(ConnectError::NoNodes)
    ));
    assert!(matches!(
        RedisStore::connect("not a url", "p").await,
        Err(ConnectError::InvalidAddress(_))
    ));
    // Nothing listening: an error within the bound, not a hang.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = Instant::now();
    assert!(
        RedisStore::connect(&format!("redis://127.0.0.1:{closed}"), "p")
            .await
            .is_err()
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}
