//! The DPoP scenario both adapters' bearer guards must pass, identically
//! (included by `sesame-axum`'s and `sesame-poem`'s DPoP tests): a bound
//! token with its proof reaches the handler and the extractors; the same
//! token as Bearer, a replayed proof or one for another route are refused
//! with the `DPoP` challenge. The app under test serves `/me` (scope
//! `api:read`, `Claims`) and `/relay` (the `Bearer` extractor) behind the
//! policy of [`auth`].
#![allow(dead_code)]
use std::sync::Arc;
use std::time::SystemTime;

use sesame_core::dpop::{cnf_claim, ProofKey};
use sesame_core::jose::{Algorithm, JwkSet, SigningKey};
use sesame_core::random::SeededRandom;
use sesame_core::resource::{BearerPolicy, BearerValidator, DpopMode, TrustedIssuer};
use sesame_reqwest::{BearerAuth, Sesame};

const ISSUER: &str = "https://id.example.com";
const AUDIENCE: &str = "https://api.example.com";
const ALGS: &str = r#"algs="ES256 EdDSA RS256 PS256""#;

/// The issuer's key, trusted statically by the API (nothing fetched).
fn issuer_key() -> &'static SigningKey {
    static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(Algorithm::ES256, "k1").unwrap().0)
}

/// The API's protection: DPoP allowed next to Bearer, realm `demo-api`.
pub fn auth() -> BearerAuth {
    let jwks = serde_json::json!({"keys": [issuer_key().public_jwk().unwrap()]}).to_string();
    let validator = BearerValidator::new().issuer(TrustedIssuer::with_static_keys(
        ISSUER,
        JwkSet::parse(jwks.as_bytes()).unwrap(),
        AUDIENCE,
    ));
    let policy = BearerPolicy::new(validator)
        .dpop(DpopMode::Allowed)
        .realm("demo-api");
    BearerAuth::with_policy(policy, Arc::new(Sesame::new().unwrap()))
}

/// An access token for alice, bound to `key`.
fn bound_token(key: &ProofKey) -> String {
    let t = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = serde_json::json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice",
        "exp": t + 300, "iat": t, "scope": "api:read", "cnf": cnf_claim(key.thumbprint())});
    issuer_key()
        .sign_claims(Some("at+jwt"), claims.as_object().unwrap())
        .unwrap()
}

fn proof(key: &ProofKey, url: &str, token: &str, seed: u64) -> String {
    let htu: url::Url = url.parse().unwrap();
    key.proof(
        &http::Method::GET,
        &htu,
        SystemTime::now(),
        &SeededRandom::new(seed),
        Some(token),
        None,
    )
    .unwrap()
}

struct Seen {
    status: u16,
    www: Vec<String>,
    body: String,
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Seen {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().build().unwrap();
    let mut req = client.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let www = resp
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    Seen {
        status: resp.status().as_u16(),
        www,
        body: resp.text().await.unwrap(),
    }
}

/// The same requests and the same answers on either adapter, served on
/// `base` with `/me` (the claims' subject) and `/relay` (the token's length).
pub async fn dpop_scenario(base: &str) {
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let token = bound_token(&key);
    let dpop = format!("DPoP {token}");
    let me = format!("{base}/me");

    let p = proof(&key, &me, &token, 1);
    let seen = get(&me, &[("authorization", &dpop), ("dpop", &p)]).await;
    assert_eq!((seen.status, seen.body.as_str()), (200, "alice"));

    // The token extractor works for DPoP requests too.
    let relay = format!("{base}/relay");
    let p2 = proof(&key, &relay, &token, 2);
    let seen = get(&relay, &[("authorization", &dpop), ("dpop", &p2)]).await;
    assert_eq!((seen.status, seen.body), (200, token.len().to_string()));

    // The same proof again.
    let seen = get(&me, &[("authorization", &dpop), ("dpop", &p)]).await;
    assert_eq!(
        (seen.status, seen.www),
        (
            401,
            vec![format!(r#"DPoP error="invalid_dpop_proof", {ALGS}"#)]
        )
    );

    // A proof for another route.
    let p3 = proof(&key, &relay, &token, 3);
    let seen = get(&me, &[("authorization", &dpop), ("dpop", &p3)]).await;
    assert_eq!(
        (seen.status, seen.www),
        (
            401,
            vec![format!(r#"DPoP error="invalid_dpop_proof", {ALGS}"#)]
        )
    );

    // The bound token stolen and presented as a bearer token.
    let seen = get(&me, &[("authorization", &format!("Bearer {token}"))]).await;
    assert_eq!(
        (seen.status, seen.www),
        (401, vec![format!(r#"DPoP error="invalid_token", {ALGS}"#)])
    );

    // No credentials: both schemes offered.
    let seen = get(&me, &[]).await;
    assert_eq!(
        (seen.status, seen.www),
        (
            401,
            vec![
                r#"Bearer realm="demo-api""#.to_owned(),
                format!("DPoP {ALGS}")
            ]
        )
    );
}
