//! Guessing client secrets at `/token`, `/introspect` and `/revoke`: per
//! claimed `client_id` and per address, the first failures are 401
//! `invalid_client`, then 429 with `Retry-After` and an RFC 6749 §5.2
//! body; the right secret waits too; an unknown client is answered like a
//! known one.
mod common;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::SystemTime;

use common::server::*;
use common::*;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, ClientAddr, Limit, MemoryStore, RegisteredClient,
    ServerConfig, StaticUsers, ThrottleConfig,
};

fn service(throttle: ThrottleConfig) -> AuthServerService {
    let config = ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "web",
            Some("web-secret"),
            &["https://app.example/cb"],
        ))
        .throttle(throttle);
    AuthServerService::new(
        Arc::new(AuthorizationServer::new(config, es256_key("k"))),
        Arc::new(MemoryStore::default()),
        Arc::new(StaticUsers::default()),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    )
}

fn call(
    s: &AuthServerService,
    path: &str,
    client: (&str, &str),
    addr: Option<&str>,
    at: SystemTime,
) -> http::Response<Vec<u8>> {
    let pairs: &[(&str, &str)] = if path == "/token" {
        &[("grant_type", "client_credentials")]
    } else {
        &[("token", "some-token")]
    };
    let mut req = token_request(form(pairs), Some(client));
    *req.uri_mut() = path.parse().unwrap();
    if let Some(a) = addr {
        req.extensions_mut()
            .insert(ClientAddr(a.parse::<IpAddr>().unwrap()));
    }
    block_on(s.handle(req, at, &rng()))
}

fn token(s: &AuthServerService, client: (&str, &str), at: SystemTime) -> http::Response<Vec<u8>> {
    call(s, "/token", client, None, at)
}

fn retry_after(resp: &http::Response<Vec<u8>>) -> Option<u64> {
    resp.headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap())
}

fn is_throttled(resp: &http::Response<Vec<u8>>) -> bool {
    resp.status() == 429
        && body(resp)["error"] == "temporarily_unavailable"
        && body(resp)["error_description"].is_string()
        && resp.headers()["cache-control"] == "no-store"
        && resp.headers()["content-type"] == "application/json"
        && retry_after(resp).is_some()
}

#[test]
fn wrong_secrets_at_token_get_401_then_429_with_retry_after() {
    let s = service(ThrottleConfig::default());
    let t = now();
    for i in 1..=10 {
        let r = token(&s, ("web", "guess"), t);
        assert_eq!(r.status(), 401, "failure {i}");
        assert_eq!(body(&r)["error"], "invalid_client");
        assert!(r.headers().contains_key("www-authenticate"));
    }
    let r = token(&s, ("web", "guess"), t);
    assert!(is_throttled(&r), "{:?} {}", r.status(), body(&r));
    assert_eq!(retry_after(&r), Some(1));
    // The right secret while waiting: the same answer.
    let right = token(&s, ("web", "web-secret"), t);
    assert!(is_throttled(&right));
    assert_eq!(body(&right), body(&r));
    // Once the wait is over it works…
    assert_eq!(token(&s, ("web", "web-secret"), t + secs(1)).status(), 200);
    // …and each further failure doubles the wait (a client's success does
    // not reset its counter: a busy client would reset it for a guesser).
    let r = token(&s, ("web", "guess"), t + secs(1));
    assert_eq!((r.status().as_u16(), retry_after(&r)), (429, Some(2)));
    let r = token(&s, ("web", "guess"), t + secs(3));
    assert_eq!((r.status().as_u16(), retry_after(&r)), (429, Some(4)));
    // Requests refused while waiting are not counted.
    for _ in 0..5 {
        assert_eq!(
            retry_after(&token(&s, ("web", "guess"), t + secs(4))),
            Some(3)
        );
    }
    assert_eq!(token(&s, ("web", "web-secret"), t + secs(7)).status(), 200);
    // An hour after the first failure the counter is gone.
    let r = token(&s, ("web", "guess"), t + secs(3601));
    assert_eq!(r.status(), 401);
}

#[test]
fn an_unknown_client_is_answered_like_a_known_one() {
    let s = service(ThrottleConfig::default());
    let t = now();
    for i in 0..14 {
        let at = t + secs(i);
        let known = token(&s, ("web", "guess"), at);
        let unknown = token(&s, ("ghost", "guess"), at);
        assert_eq!(known.status(), unknown.status(), "attempt {i}");
        assert_eq!(body(&known), body(&unknown), "attempt {i}");
        assert_eq!(retry_after(&known), retry_after(&unknown), "attempt {i}");
    }
}

#[test]
fn introspection_and_revocation_share_the_clients_counter() {
    let s = service(ThrottleConfig::default().client(Limit::new(4, secs(600))));
    let t = now();
    for path in ["/introspect", "/revoke", "/introspect", "/revoke"] {
        let r = call(&s, path, ("web", "guess"), None, t);
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(body(&r)["error"], "invalid_client");
    }
    for path in ["/token", "/introspect", "/revoke"] {
        let r = call(&s, path, ("web", "web-secret"), None, t);
        assert!(is_throttled(&r), "{path}: {} {}", r.status(), body(&r));
    }
    assert_eq!(
        call(&s, "/introspect", ("web", "web-secret"), None, t + secs(1)).status(),
        200
    );
}

#[test]
fn one_address_guessing_across_clients_is_throttled() {
    let s = service(ThrottleConfig::default());
    let t = now();
    let guesser = Some("203.0.113.66");
    for i in 0..30 {
        let r = call(&s, "/token", (&format!("c{i}"), "guess"), guesser, t);
        assert_eq!(r.status(), 401, "client {i}");
    }
    assert!(is_throttled(&call(
        &s,
        "/token",
        ("c30", "guess"),
        guesser,
        t
    )));
    assert!(is_throttled(&call(
        &s,
        "/token",
        ("web", "web-secret"),
        guesser,
        t
    )));
    // Another address is not concerned.
    let r = call(&s, "/token", ("web", "web-secret"), Some("198.51.100.2"), t);
    assert_eq!(r.status(), 200);
}

#[test]
fn the_token_endpoint_itself_throttles_without_the_service() {
    // `AuthorizationServer::token` is public: it applies the same rule.
    let config = ServerConfig::new(AS_ISSUER)
        .client(RegisteredClient::new(
            "web",
            Some("web-secret"),
            &["https://app.example/cb"],
        ))
        .throttle(ThrottleConfig::default().client(Limit::new(2, secs(60))));
    let server = AuthorizationServer::new(config, es256_key("k"));
    let store = MemoryStore::default();
    let post = |secret: &str| {
        let req = token_request(
            form(&[("grant_type", "client_credentials")]),
            Some(("web", secret)),
        );
        block_on(server.token(&req, &store, now(), &rng()))
    };
    assert_eq!(post("guess").status(), 401);
    assert_eq!(post("guess").status(), 401);
    assert!(is_throttled(&post("web-secret")));
}
