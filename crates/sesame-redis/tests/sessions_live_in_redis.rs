//! The relying party's `SessionStore` on a real Redis and a 3-master
//! cluster: values with TTLs under the prefix, first-wins `put_new`,
//! sessions that end everywhere, no token in a dump, 503-style failure
//! when Redis is down.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::session::{
    Session, SessionConfig, SessionEnd, SessionStorage, SessionStore, SessionStoreError, Sessions,
};
use support::{both, now_ms, secs, Env};

fn session(id: &str) -> Session {
    serde_json::from_value(json!({
        "id": id,
        "provider": "op",
        "identity": {"provider": "op", "id": "alice", "email": null, "email_verified": false,
                      "name": null, "given_name": null, "family_name": null,
                      "preferred_username": null, "picture": null, "locale": null, "raw": {}},
        "user": null,
        "linked": [],
        "tokens": {"access_token": "secret-access-token", "token_type": "Bearer",
                   "refresh_token": "secret-refresh-token", "id_token": "secret-id-token",
                   "expires_at": null, "scopes": ["openid"]},
        "issuer": "https://op.example",
        "sid": "sid-1",
        "created_at": sesame_core::time::unix_seconds(now_ms()),
        "last_active": sesame_core::time::unix_seconds(now_ms()),
    }))
    .unwrap()
}

async fn values_expire_and_put_new_is_first_wins(env: Env) {
    let s = &*env.store;
    let now = now_ms();
    s.put("k:a", b"1", secs(30), now).await.unwrap();
    assert!(s.put_new("k:b", b"2", secs(30), now).await.unwrap());
    assert!(
        !s.put_new("k:b", b"3", secs(30), now).await.unwrap(),
        "the first wins"
    );
    let got = s
        .get_many(&["k:a".into(), "k:b".into(), "k:none".into()], now)
        .await
        .unwrap();
    assert_eq!(got, vec![Some(b"1".to_vec()), Some(b"2".to_vec()), None]);
    s.delete("k:a").await.unwrap();
    assert_eq!(s.get_many(&["k:a".into()], now).await.unwrap(), vec![None]);
    for key in env.dump() {
        assert!(key.key.starts_with("sesame-test:"), "{key:?}");
        assert!(
            key.pttl_ms > 0 && key.pttl_ms <= 30_000,
            "every key has its TTL: {key:?}"
        );
    }
    // A short TTL really expires.
    s.put("k:short", b"x", Duration::from_millis(200), now)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        s.get_many(&["k:short".into()], now).await.unwrap(),
        vec![None]
    );
}
both!(values_expire_and_put_new_is_first_wins);

async fn an_ended_session_is_dead_and_no_token_is_stored_in_clear(env: Env) {
    let rules = Sessions::new(
        SessionConfig::default().storage(SessionStorage::Server),
        Sealer::new(SealingKey::from_bytes([4; 32])),
    );
    let rng = ring::rand::SystemRandom::new();
    let now = now_ms();
    let s = session("session-id-1234567890");
    let save = rules.save(&s, now, &rng).unwrap();
    let w = save.write.unwrap();
    env.store.put(&w.key, &w.value, w.ttl, now).await.unwrap();
    let cookie = save.set_cookie.split(';').next().unwrap().to_owned();

    let read = |cookie: String| {
        let store = env.store.clone();
        let rules = &rules;
        async move {
            let probe = rules.read_cookie([cookie.as_str()], now).unwrap();
            let values = store.get_many(probe.keys(), now).await.unwrap();
            rules.resolve(probe, values, now)
        }
    };
    assert_eq!(read(cookie.clone()).await.unwrap().id, s.id);
    for key in env.dump() {
        for secret in [
            "secret-access-token",
            "secret-refresh-token",
            "secret-id-token",
            "session-id-1234567890",
            "sid-1",
        ] {
            assert!(
                !key.key.contains(secret) && !key.value.contains(secret),
                "{secret} in {key:?}"
            );
        }
    }
    let ending = rules.end(&s, now);
    env.store.put_all(&ending.writes, now).await.unwrap();
    env.store
        .delete(ending.delete.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(read(cookie).await.unwrap_err(), SessionEnd::LoggedOut);
}
both!(an_ended_session_is_dead_and_no_token_is_stored_in_clear);

async fn a_stopped_redis_is_unavailable_within_the_timeout(mut env: Env) {
    env.stop();
    let store = env
        .store
        .as_ref()
        .clone()
        .with_timeout(Duration::from_millis(500));
    let started = Instant::now();
    let r = store.get_many(&["k:a".into()], now_ms()).await;
    assert_eq!(r, Err(SessionStoreError::Unavailable));
    assert_eq!(
        store.put_new("k:a", b"1", secs(5), now_ms()).await,
        Err(SessionStoreError::Unavailable)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}
both!(a_stopped_redis_is_unavailable_within_the_timeout);
