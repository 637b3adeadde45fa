//! An issuer configured with a static key set instead of a JWKS URI: tokens
//! validate with the configured keys, and a token signed with a key outside
//! the set — even one the live issuer publishes later, which a fetch would
//! find — is refused with 401 `invalid_token`.
use std::sync::Arc;

use sesame_core::jose::{Algorithm, JwkSet, SigningKey};
use sesame_core::resource::{BearerValidator, Guard, TrustedIssuer};
use sesame_reqwest::{BearerAuth, Sesame};

mod support;
use support::*;

fn headers(token: &str) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    h.insert(
        http::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_keys_validate_without_fetching_and_refuse_other_keys() {
    let iss = issuer().await;
    let jwks = serde_json::to_vec(&iss.server.jwks()).unwrap();
    let keys = JwkSet::parse(&jwks).unwrap();
    let audience = format!("{}/api", iss.base);
    // The driver could reach the live issuer's JWKS; with static keys it
    // must never ask (the rotated key below would otherwise be found).
    let auth = BearerAuth::new(
        BearerValidator::new().issuer(TrustedIssuer::with_static_keys(&iss.base, keys, &audience)),
        Arc::new(Sesame::new().unwrap()),
    );
    let alice = iss.token("alice", "admin").await;
    let claims = auth
        .authenticate(&headers(&alice), &Guard::new().claim_eq("role", "admin"))
        .await
        .unwrap();
    assert_eq!(claims.subject, "alice");

    // The issuer rotates to a key the app never configured.
    let (new_key, _) = SigningKey::generate(Algorithm::ES256, "rotated-key").unwrap();
    iss.server.publish_key(new_key);
    assert!(iss.server.activate_key("rotated-key"));
    let after = iss.token("alice", "admin").await;
    let err = auth
        .authenticate(&headers(&after), &Guard::new())
        .await
        .unwrap_err();
    assert_eq!(err.status(), 401);
    let refusal = auth.refusal(&err);
    assert_eq!(
        refusal.headers()["www-authenticate"],
        "Bearer realm=\"api\", error=\"invalid_token\""
    );
    // Tokens from the configured key still pass.
    assert!(auth
        .authenticate(&headers(&alice), &Guard::new())
        .await
        .is_ok());
}
