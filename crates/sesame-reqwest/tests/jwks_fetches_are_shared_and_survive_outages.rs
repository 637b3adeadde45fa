//! The driver's single-flight and resilience around the core cache policy.
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use sesame_core::cache::CachePolicy;
use sesame_core::client::KeyRequest;
use sesame_core::jose::{Algorithm, SigningKey};
use sesame_reqwest::{HttpClient, Sesame};

struct Jwks {
    hits: AtomicUsize,
    down: AtomicBool,
    body: std::sync::Mutex<String>,
}

async fn jwks_server(state: Arc<Jwks>) -> url::Url {
    let app = Router::new().route(
        "/jwks",
        get(move || {
            let s = Arc::clone(&state);
            async move {
                s.hits.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                if s.down.load(Ordering::SeqCst) {
                    return (http::StatusCode::SERVICE_UNAVAILABLE, String::new());
                }
                (http::StatusCode::OK, s.body.lock().unwrap().clone())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/jwks").parse().unwrap()
}

fn jwks_body(kids: &[&str]) -> String {
    let keys: Vec<_> = kids
        .iter()
        .map(|k| {
            SigningKey::generate(Algorithm::ES256, *k)
                .unwrap()
                .0
                .public_jwk()
                .unwrap()
        })
        .collect();
    serde_json::json!({ "keys": keys }).to_string()
}

fn request(uri: &url::Url, kid: &str, refresh: bool) -> KeyRequest {
    KeyRequest {
        jwks_uri: uri.clone(),
        kid: Some(kid.into()),
        refresh,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_share_one_fetch() {
    let state = Arc::new(Jwks {
        hits: AtomicUsize::new(0),
        down: AtomicBool::new(false),
        body: std::sync::Mutex::new(jwks_body(&["a"])),
    });
    let uri = jwks_server(Arc::clone(&state)).await;
    let sesame = Arc::new(Sesame::new().unwrap());
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (s, u) = (Arc::clone(&sesame), uri.clone());
            tokio::spawn(async move { s.keys(&request(&u, "a", false)).await })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().unwrap().contains_kid("a"));
    }
    assert_eq!(
        state.hits.load(Ordering::SeqCst),
        1,
        "one fetch served 200 concurrent misses"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kid_refetches_once_then_rate_limits() {
    let state = Arc::new(Jwks {
        hits: AtomicUsize::new(0),
        down: AtomicBool::new(false),
        body: std::sync::Mutex::new(jwks_body(&["a"])),
    });
    let uri = jwks_server(Arc::clone(&state)).await;
    let sesame = Sesame::new().unwrap();
    sesame.keys(&request(&uri, "a", false)).await.unwrap();
    *state.body.lock().unwrap() = jwks_body(&["a", "b"]);
    // A rotated key: one refetch finds it.
    assert!(sesame
        .keys(&request(&uri, "b", false))
        .await
        .unwrap()
        .contains_kid("b"));
    assert_eq!(state.hits.load(Ordering::SeqCst), 2);
    // Forged kids: no further fetches within the interval, however many.
    for i in 0..50 {
        let keys = sesame
            .keys(&request(&uri, &format!("forged-{i}"), true))
            .await
            .unwrap();
        assert!(!keys.contains_kid(&format!("forged-{i}")));
    }
    assert_eq!(state.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_keys_keep_working_when_the_endpoint_fails() {
    let state = Arc::new(Jwks {
        hits: AtomicUsize::new(0),
        down: AtomicBool::new(false),
        body: std::sync::Mutex::new(jwks_body(&["a"])),
    });
    let uri = jwks_server(Arc::clone(&state)).await;
    // Expire documents at once so every lookup wants a fetch.
    let policy = CachePolicy::default()
        .ttl_bounds(Duration::ZERO, Duration::ZERO)
        .refetch_interval(Duration::ZERO);
    let sesame = Sesame::with_client(HttpClient::new().unwrap(), policy);
    sesame.keys(&request(&uri, "a", false)).await.unwrap();
    state.down.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let keys = sesame.keys(&request(&uri, "a", false)).await.unwrap();
    assert!(
        keys.contains_kid("a"),
        "stale keys served while the endpoint is down"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_cached_and_endpoint_down_is_an_error_not_a_hang() {
    let state = Arc::new(Jwks {
        hits: AtomicUsize::new(0),
        down: AtomicBool::new(true),
        body: std::sync::Mutex::new(String::new()),
    });
    let uri = jwks_server(Arc::clone(&state)).await;
    let sesame = Sesame::new().unwrap();
    let err = sesame.keys(&request(&uri, "a", false)).await.unwrap_err();
    assert_eq!(err.status(), 502);
    assert_eq!(err.code(), "provider_unavailable");
}
