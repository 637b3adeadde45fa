//! DPoP's cost, in one run: validating an ES256 access token as a bearer
//! token, and the same token DPoP-bound (the token, then the proof's
//! checks and signature, then `cnf.jkt`); and making a proof on the
//! client (ES256, EdDSA). The goal (issue #16): the DPoP check within 2×
//! the bearer one — it adds one signature verification.
use std::time::{Duration, SystemTime};

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use sesame_core::dpop::{confirm, ProofKey, ProofPolicy};
use sesame_core::jose::{Algorithm, JwkSet, SigningKey};
use sesame_core::resource::{BearerValidator, TrustedIssuer};

const ISS: &str = "https://issuer.example";
const AUD: &str = "https://api.example";

fn bench(c: &mut Criterion) {
    let key = SigningKey::generate(Algorithm::ES256, "k1").expect("key").0;
    let keys = JwkSet::parse(
        json!({"keys": [key.public_jwk().expect("jwk")]})
            .to_string()
            .as_bytes(),
    )
    .expect("jwks");
    let proof_key = ProofKey::generate(Algorithm::ES256).expect("proof key");
    let now = SystemTime::now();
    let t = sesame_core::time::unix_seconds(now);
    let claims = |bound: bool| {
        let mut c = json!({"iss": ISS, "sub": "user-1", "aud": AUD, "exp": t + 3600, "iat": t,
            "jti": "j1", "client_id": "c", "scope": "api:read"});
        if bound {
            c["cnf"] = json!({"jkt": proof_key.thumbprint()});
        }
        key.sign_claims(Some("at+jwt"), c.as_object().expect("object"))
            .expect("sign")
    };
    let (bearer, bound) = (claims(false), claims(true));
    let validator = BearerValidator::new().issuer(TrustedIssuer::new(
        ISS,
        "https://issuer.example/jwks".parse().expect("url"),
        AUD,
    ));
    let htu: url::Url = format!("{AUD}/orders").parse().expect("url");
    let rng = ring::rand::SystemRandom::new();
    let proof = proof_key
        .proof(&http::Method::GET, &htu, now, &rng, Some(&bound), None)
        .expect("proof");
    let policy = ProofPolicy::default();

    let mut group = c.benchmark_group("dpop/resource server (ES256)");
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("bearer token", |b| {
        b.iter(|| {
            validator
                .validate(std::hint::black_box(&bearer), &keys, now)
                .expect("valid")
        })
    });
    group.bench_function("DPoP-bound token with its proof", |b| {
        b.iter(|| {
            let claims = validator
                .validate(std::hint::black_box(&bound), &keys, now)
                .expect("valid");
            let checked = policy
                .check(
                    std::hint::black_box(&proof),
                    &http::Method::GET,
                    &htu,
                    now,
                    Some(&bound),
                    |_| false,
                )
                .expect("proof");
            confirm(&claims.claims, checked.jkt()).expect("bound");
        })
    });
    // An API sees the same access token many times, each time with a new
    // proof: the token's signature from the verified-token cache, the
    // proof's checked afresh.
    let cache = sesame_core::resource::VerifiedTokenCache::new(1024);
    group.bench_function(
        "DPoP-bound token (verified-token cache) with its proof",
        |b| {
            b.iter(|| {
                let claims = cache
                    .validate(&validator, std::hint::black_box(&bound), &keys, now)
                    .expect("valid");
                let checked = policy
                    .check(
                        std::hint::black_box(&proof),
                        &http::Method::GET,
                        &htu,
                        now,
                        Some(&bound),
                        |_| false,
                    )
                    .expect("proof");
                confirm(&claims.claims, checked.jkt()).expect("bound");
            })
        },
    );
    group.finish();

    let mut group = c.benchmark_group("dpop/client proof");
    group.measurement_time(Duration::from_secs(3));
    for alg in [Algorithm::ES256, Algorithm::EdDSA] {
        let k = ProofKey::generate(alg).expect("key");
        group.bench_function(format!("{} proof", alg.as_str()), |b| {
            b.iter(|| {
                k.proof(&http::Method::POST, &htu, now, &rng, Some(&bound), None)
                    .expect("proof")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
