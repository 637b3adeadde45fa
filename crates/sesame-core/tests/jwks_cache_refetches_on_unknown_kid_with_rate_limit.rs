//! The sans-IO cache policy shared by every driver.
mod common;
use common::*;
use sesame_core::cache::{CachePolicy, JwksCache, Lookup, MetadataCache};

fn uri() -> url::Url {
    "https://op.example/jwks".parse().unwrap()
}

fn jwks_response(kids: &[&str], cache_control: Option<&str>) -> http::Response<Vec<u8>> {
    let keys: Vec<_> = kids.iter().map(|k| es256_key(k)).collect();
    let doc = serde_json::json!({"keys": keys.iter().map(|k| k.public_jwk().unwrap()).collect::<Vec<_>>()});
    let mut b = http::Response::builder().status(200);
    if let Some(cc) = cache_control {
        b = b.header("cache-control", cc);
    }
    b.body(doc.to_string().into_bytes()).unwrap()
}

fn is_fetch<T>(l: &Lookup<T>) -> bool {
    matches!(l, Lookup::Fetch(_))
}

fn fill(cache: &mut JwksCache, kids: &[&str], cc: Option<&str>) {
    assert!(is_fetch(&cache.lookup(&uri(), None, false, now())));
    cache
        .store(&uri(), &jwks_response(kids, cc), now())
        .unwrap();
}

#[test]
fn first_lookup_fetches_then_serves_from_cache() {
    let mut cache = JwksCache::default();
    let Lookup::Fetch(req) = cache.lookup(&uri(), Some("a"), false, now()) else {
        panic!()
    };
    assert_eq!(req.uri().to_string(), "https://op.example/jwks");
    assert_eq!(req.method(), "GET");
    cache
        .store(&uri(), &jwks_response(&["a"], None), now())
        .unwrap();
    assert!(matches!(
        cache.lookup(&uri(), Some("a"), false, now() + secs(1)),
        Lookup::Use(_)
    ));
}

#[test]
fn concurrent_lookups_wait_for_the_one_fetch() {
    let mut cache = JwksCache::default();
    assert!(is_fetch(&cache.lookup(&uri(), None, false, now())));
    for _ in 0..100 {
        assert!(matches!(
            cache.lookup(&uri(), None, false, now()),
            Lookup::Wait
        ));
    }
    cache
        .store(&uri(), &jwks_response(&["a"], None), now())
        .unwrap();
    assert!(matches!(
        cache.lookup(&uri(), None, false, now()),
        Lookup::Use(_)
    ));
}

#[test]
fn unknown_kid_refetches_at_most_once_per_interval() {
    let mut cache = JwksCache::default();
    fill(&mut cache, &["a"], None);
    // A token with a new kid: one refetch.
    assert!(is_fetch(&cache.lookup(
        &uri(),
        Some("b"),
        false,
        now() + secs(1)
    )));
    cache
        .store(&uri(), &jwks_response(&["a"], None), now() + secs(1))
        .unwrap();
    // Still unknown (a forged kid): no further fetch within 10 s.
    assert!(matches!(
        cache.lookup(&uri(), Some("zzz"), true, now() + secs(5)),
        Lookup::Use(_)
    ));
    assert!(matches!(
        cache.lookup(&uri(), Some("zzz"), true, now() + secs(10)),
        Lookup::Use(_)
    ));
    // After the interval, one more.
    assert!(is_fetch(&cache.lookup(
        &uri(),
        Some("zzz"),
        true,
        now() + secs(12)
    )));
}

#[test]
fn the_first_fetch_does_not_use_up_the_refetch_budget() {
    // The OP rotates right after our first fetch: the next login may refetch at once.
    let mut cache = JwksCache::default();
    fill(&mut cache, &["a"], None);
    assert!(is_fetch(&cache.lookup(
        &uri(),
        Some("rotated"),
        false,
        now() + secs(1)
    )));
}

#[test]
fn max_age_is_honoured_within_floor_and_ceiling() {
    let mut cache = JwksCache::default();
    fill(&mut cache, &["a"], Some("public, max-age=300"));
    assert!(matches!(
        cache.lookup(&uri(), None, false, now() + secs(299)),
        Lookup::Use(_)
    ));
    assert!(is_fetch(&cache.lookup(
        &uri(),
        None,
        false,
        now() + secs(300)
    )));

    let mut cache = JwksCache::default();
    fill(&mut cache, &["a"], Some("max-age=1"));
    assert!(
        matches!(
            cache.lookup(&uri(), None, false, now() + secs(59)),
            Lookup::Use(_)
        ),
        "floor of 60 s"
    );

    let mut cache = JwksCache::default();
    fill(&mut cache, &["a"], Some("max-age=99999999"));
    assert!(
        is_fetch(&cache.lookup(&uri(), None, false, now() + secs(24 * 3600))),
        "ceiling of a day"
    );

    let mut cache = JwksCache::new(CachePolicy::default().ttl_bounds(secs(0), secs(100)));
    fill(&mut cache, &["a"], Some("no-store"));
    assert!(is_fetch(&cache.lookup(
        &uri(),
        None,
        false,
        now() + secs(1)
    )));
}

#[test]
fn keys_survive_a_failing_endpoint() {
    let mut cache = JwksCache::default();
    fill(&mut cache, &["a"], Some("max-age=60"));
    let later = now() + secs(61);
    assert!(is_fetch(&cache.lookup(&uri(), Some("a"), false, later)));
    let stale = cache.fetch_failed(&uri(), later);
    assert!(stale.unwrap().contains_kid("a"));
    // During the back-off, the stale keys are served.
    assert!(matches!(
        cache.lookup(&uri(), Some("a"), false, later + secs(1)),
        Lookup::Use(_)
    ));
    // A 500 or garbage is a failure too, and keeps the old keys.
    assert!(is_fetch(&cache.lookup(
        &uri(),
        Some("a"),
        false,
        later + secs(6)
    )));
    let resp = http::Response::builder()
        .status(500)
        .body(Vec::new())
        .unwrap();
    assert!(cache.store(&uri(), &resp, later + secs(6)).is_err());
    assert!(cache.get(&uri()).unwrap().contains_kid("a"));
}

#[test]
fn nothing_held_and_a_recent_failure_is_unavailable() {
    let mut cache = JwksCache::default();
    assert!(is_fetch(&cache.lookup(&uri(), None, false, now())));
    assert!(cache.fetch_failed(&uri(), now()).is_none());
    assert!(matches!(
        cache.lookup(&uri(), None, false, now() + secs(1)),
        Lookup::Unavailable
    ));
    assert!(is_fetch(&cache.lookup(
        &uri(),
        None,
        false,
        now() + secs(6)
    )));
}

#[test]
fn an_abandoned_fetch_releases_the_waiters() {
    let mut cache = JwksCache::default();
    assert!(is_fetch(&cache.lookup(&uri(), None, false, now())));
    assert!(matches!(
        cache.lookup(&uri(), None, false, now()),
        Lookup::Wait
    ));
    cache.abandon(&uri());
    assert!(is_fetch(&cache.lookup(&uri(), None, false, now())));
    // And a lost in-flight mark expires by itself.
    assert!(is_fetch(&cache.lookup(
        &uri(),
        None,
        false,
        now() + secs(31)
    )));
}

#[test]
fn metadata_cache_checks_the_issuer() {
    let mut cache = MetadataCache::default();
    let Lookup::Fetch(req) = cache.lookup(ISSUER, None, false, now()) else {
        panic!()
    };
    assert_eq!(
        req.uri().to_string(),
        "https://op.example/.well-known/openid-configuration"
    );
    let doc = serde_json::json!({"issuer": "https://evil.example", "authorization_endpoint": "https://op.example/a", "token_endpoint": "https://op.example/t"});
    let resp = http::Response::builder()
        .status(200)
        .body(doc.to_string().into_bytes())
        .unwrap();
    assert!(cache.store(ISSUER, &resp, now()).is_err());
    assert!(cache.get(ISSUER).is_none());
}
