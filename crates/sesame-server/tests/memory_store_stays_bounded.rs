//! MemoryStore drops expired records by itself: a long-running server's
//! memory follows its live records, not its history.
mod common;
use std::time::{Duration, SystemTime};

use common::server::block_on;
use common::*;
use serde_json::Map;
use sesame_server::{CodeGrant, CodeTake, MemoryStore, RefreshGrant, Store};

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
    };
    block_on(store.save_refresh("r", refresh)).unwrap();
    assert_eq!(store.len(), 1);
}
