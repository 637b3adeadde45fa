//! MemoryStore drops expired records by itself: a long-running server's
//! memory follows its live records, not its history.
mod common;
use std::time::{Duration, SystemTime};

use common::server::block_on;
use common::*;
use serde_json::Map;
use sesame_server::{CodeGrant, CodeTake, Failures, MemoryStore, RefreshGrant, Store};

fn code(at: SystemTime, family: &str) -> CodeGrant {
    CodeGrant {
        client_id: "web".into(),
        redirect_uri: "https://app.example/cb".into(),
        code_challenge: "c".into(),
        scopes: vec!["openid".into()],
        subject: "alice".into(),
        claims: Map::new(),
        nonce: None,
        expires_at: at + Duration::from_secs(60),
        family: family.into(),
        dpop_jkt: None,
    }
}

#[test]
fn a_million_codes_leave_a_flat_store() {
    let store = MemoryStore::default();
    let start = now();
    let mut peak = 0;
    for i in 0..1_000_000u64 {
        // Ten logins a millisecond: 10⁶ codes over 100 s of server time.
        let t = start + Duration::from_micros(i * 100);
        let hash = format!("code-{i}");
        block_on(store.save_code(&hash, code(t, "f"))).unwrap();
        assert!(matches!(
            block_on(store.take_code(&hash, t)).unwrap(),
            CodeTake::Fresh(_)
        ));
        peak = peak.max(store.len());
    }
    // A code lives 60 s and purges run every 10 s: at most ~70 s of codes.
    assert!(peak <= 710_000, "peak {peak}");
    store.purge(start + Duration::from_secs(200));
    assert_eq!(store.len(), 0, "nothing outlives its expiry");
}

#[test]
fn revocations_end_with_their_tokens_and_a_full_store_refuses_new_records() {
    let store = MemoryStore::with_capacity(3);
    let t = now();
    block_on(store.revoke_family("f1", t + Duration::from_secs(30))).unwrap();
    assert!(block_on(store.is_family_revoked("f1")).unwrap());
    for i in 0..2 {
        block_on(store.save_code(&format!("c{i}"), code(t, "f"))).unwrap();
    }
    // Full of live records: refused (the endpoint answers 503), nothing dropped.
    assert!(block_on(store.save_code("c2", code(t, "f"))).is_err());
    assert!(matches!(
        block_on(store.take_code("c0", t)).unwrap(),
        CodeTake::Fresh(_)
    ));
    // After expiry everything goes, revocations included.
    store.purge(t + Duration::from_secs(61));
    assert!(!block_on(store.is_family_revoked("f1")).unwrap());
    let refresh = RefreshGrant {
        family: "f2".into(),
        client_id: "web".into(),
        subject: "alice".into(),
        scopes: Vec::new(),
        claims: Map::new(),
        expires_at: t + Duration::from_secs(3600),
        dpop_jkt: None,
    };
    block_on(store.save_refresh("r", refresh)).unwrap();
    assert_eq!(store.len(), 1);
}

#[test]
fn failure_counters_and_used_forms_end_with_their_window_and_count_toward_the_cap() {
    let store = MemoryStore::with_capacity(4);
    let t = now();
    let s = |n| Duration::from_secs(n);
    let window = s(60);
    // Each failure answers the counter as it was before it.
    assert_eq!(
        block_on(store.record_failure("k", window, t)).unwrap(),
        Failures::default()
    );
    let before = block_on(store.record_failure("k", window, t + s(10))).unwrap();
    assert_eq!((before.count, before.latest), (1, Some(t)));
    let now_seen = block_on(store.failures("k", t + s(20))).unwrap();
    assert_eq!((now_seen.count, now_seen.latest), (2, Some(t + s(10))));
    // The window runs from the first failure; later ones do not extend it.
    assert_eq!(
        block_on(store.failures("k", t + s(60))).unwrap(),
        Failures::default()
    );
    assert_eq!(
        block_on(store.record_failure("k", window, t + s(60))).unwrap(),
        Failures::default(),
        "a new window"
    );
    // Taking one back: never below zero, never creating a counter.
    block_on(store.forgive_failure("k", t + s(61))).unwrap();
    block_on(store.forgive_failure("k", t + s(61))).unwrap();
    assert_eq!(block_on(store.failures("k", t + s(61))).unwrap().count, 0);
    block_on(store.forgive_failure("none", t)).unwrap();
    assert_eq!(
        block_on(store.failures("none", t)).unwrap(),
        Failures::default()
    );
    block_on(store.record_failure("k", window, t + s(61))).unwrap();
    block_on(store.clear_failures("k")).unwrap();
    assert_eq!(
        block_on(store.failures("k", t + s(61))).unwrap(),
        Failures::default()
    );

    // First wins, until the mark expires.
    assert!(block_on(store.put_new("form", t + s(600), t)).unwrap());
    assert!(!block_on(store.put_new("form", t + s(600), t + s(599))).unwrap());
    assert!(block_on(store.put_new("form", t + s(1200), t + s(600))).unwrap());
    // Already past: nothing to remember.
    assert!(block_on(store.put_new("old", t, t + s(1))).unwrap());

    // They count toward the cap: full, a new counter or mark is refused
    // (503), while live ones keep counting.
    let t2 = t + s(601);
    block_on(store.record_failure("a", window, t2)).unwrap();
    block_on(store.record_failure("b", window, t2)).unwrap();
    block_on(store.record_failure("c", window, t2)).unwrap();
    assert_eq!(store.len(), 4, "three counters and the second mark");
    assert!(block_on(store.record_failure("d", window, t2)).is_err());
    assert!(block_on(store.put_new("form-2", t2 + s(600), t2)).is_err());
    assert_eq!(
        block_on(store.record_failure("a", window, t2))
            .unwrap()
            .count,
        1
    );
    // And they go by themselves.
    store.purge(t + s(1200) + window);
    assert_eq!(store.len(), 0);
}
