//! RFC 7662 introspection with a short cache: tokens the API cannot
//! validate locally are asked about at the issuer's /introspect.
use std::sync::Arc;
use std::time::Duration;

use sesame_core::resource::{BearerValidator, Guard, Introspector};
use sesame_e2e::*;
use sesame_reqwest::{BearerAuth, Sesame};

mod support;
use support::*;

fn headers(token: &str) -> http::HeaderMap {
    let mut h = http::HeaderMap::new();
    h.insert("authorization", format!("Bearer {token}").parse().unwrap());
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_answers_caches_briefly_and_sees_revocation() {
    let iss = issuer().await;
    let token = iss.token("alice", "admin").await;
    let introspector = Introspector::new(
        format!("{}/introspect", iss.base).parse().unwrap(),
        "web",
        "s",
    )
    .cache(Duration::from_secs(1), 100);
    // No locally trusted issuer: every token is introspected.
    let auth = BearerAuth::new(BearerValidator::new(), Arc::new(Sesame::new().unwrap()))
        .with_introspection(introspector);
    let guard = Guard::new().scope("api:read").claim_eq("role", "admin");

    let claims = auth.authenticate(&headers(&token), &guard).await.unwrap();
    assert_eq!(claims.subject, "alice");

    // Revoked at the issuer: the short cache may answer for at most its ttl…
    let revoke = http_client()
        .post(format!("{}/revoke", iss.base))
        .basic_auth("web", Some("s"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    assert!(
        auth.authenticate(&headers(&token), &guard).await.is_ok(),
        "within the 1 s cache"
    );
    // …and then the revocation is seen.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(
        auth.authenticate(&headers(&token), &guard).await.is_err(),
        "revocation visible after the cache ttl"
    );

    // Unknown opaque tokens are inactive.
    assert_eq!(
        auth.authenticate(&headers("opaque-garbage"), &Guard::new())
            .await
            .unwrap_err(),
        sesame_core::resource::BearerError::InvalidToken("inactive")
    );
}
