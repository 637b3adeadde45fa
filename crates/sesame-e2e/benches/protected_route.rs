//! Requests per second of a protected vs an unprotected Axum route on
//! loopback (same app, same client, one run).
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;
use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::resource::{BearerValidator, Guard, TrustedIssuer};
use sesame_reqwest::{BearerAuth, Sesame};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (base, token) = rt.block_on(async {
        // A JWKS endpoint and the API on loopback.
        let key = SigningKey::generate(Algorithm::ES256, "k1").expect("key").0;
        let jwks = json!({"keys": [key.public_jwk().expect("jwk")]}).to_string();
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", l.local_addr().expect("addr"));
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("clock").as_secs();
        let claims = json!({"iss": base, "sub": "u", "aud": "api", "exp": now + 3600, "iat": now, "scope": "api:read"});
        let token = key.sign_claims(Some("at+jwt"), claims.as_object().expect("object")).expect("sign");
        let issuer = TrustedIssuer::new(&base, format!("{base}/jwks").parse().expect("url"), "api");
        let auth = BearerAuth::new(BearerValidator::new().issuer(issuer), Arc::new(Sesame::new().expect("sesame")));
        let cached = auth.clone().with_verified_token_cache(1024);
        let app: axum::Router = axum::Router::new()
            .route("/protected", axum::routing::get(|| async { "ok" }))
            .route_layer(sesame_axum::BearerLayer::new(auth, Guard::new().scope("api:read")))
            .merge(
                axum::Router::new()
                    .route("/protected-cached", axum::routing::get(|| async { "ok" }))
                    .route_layer(sesame_axum::BearerLayer::new(cached, Guard::new().scope("api:read"))),
            )
            .route("/open", axum::routing::get(|| async { "ok" }))
            .route("/jwks", axum::routing::get(move || { let j = jwks.clone(); async move { j } }));
        tokio::spawn(async move { axum::serve(l, app).await.expect("serve") });
        (base, token)
    });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let mut group = c.benchmark_group("route");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("unprotected", |b| {
        b.to_async(&rt).iter(|| async {
            client
                .get(format!("{base}/open"))
                .send()
                .await
                .expect("open")
                .status()
        })
    });
    group.bench_function("protected (ES256 bearer)", |b| {
        b.to_async(&rt).iter(|| async {
            let s = client
                .get(format!("{base}/protected"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("protected")
                .status();
            assert_eq!(s, 200);
        })
    });
    group.bench_function("protected (ES256 bearer, verified-token cache)", |b| {
        b.to_async(&rt).iter(|| async {
            let s = client
                .get(format!("{base}/protected-cached"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("protected")
                .status();
            assert_eq!(s, 200);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
