//! Strict request parsing at the server's edge: wrong methods get 405 with
//! `Allow`, OAuth endpoints take only form bodies, two `Authorization`
//! headers are refused, and every HTML page carries its security headers.
mod common;
use std::sync::Arc;

use common::server::*;
use common::*;
use serde_json::json;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
    StaticUsers,
};

fn service() -> AuthServerService {
    let config = ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "web",
            Some("web-secret"),
            &["https://app.example/cb"],
        ));
    let users = StaticUsers::default().user("alice", "pw", json!({}).as_object().cloned().unwrap());
    AuthServerService::new(
        Arc::new(AuthorizationServer::new(config, es256_key("k"))),
        Arc::new(MemoryStore::default()),
        Arc::new(users),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    )
}

fn send(s: &AuthServerService, req: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    block_on(s.handle(req, now(), &rng()))
}

#[test]
fn wrong_methods_get_405_with_allow() {
    let s = service();
    for (method, path, allow) in [
        ("GET", "/token", "POST"),
        ("PUT", "/authorize", "GET, HEAD, POST"),
        ("DELETE", "/jwks.json", "GET, HEAD"),
        ("GET", "/revoke", "POST"),
        ("HEAD", "/token", "POST"),
        ("PATCH", "/userinfo", "GET, HEAD, POST"),
    ] {
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .body(Vec::new())
            .unwrap();
        let resp = send(&s, req);
        assert_eq!(resp.status(), 405, "{method} {path}");
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
    }
    assert_eq!(get(&s, "/nowhere").status(), 404);
}

#[test]
fn head_is_get_without_a_body_and_authorize_takes_a_posted_form() {
    let s = service();
    let head = http::Request::head("/.well-known/openid-configuration")
        .body(Vec::new())
        .unwrap();
    let resp = send(&s, head);
    assert_eq!(resp.status(), 200);
    assert!(resp.body().is_empty());
    assert_eq!(resp.headers()["content-type"], "application/json");
    // OpenID Connect Core §3.1.2.1: POST /authorize with the parameters as a form.
    let posted = http::Request::post("/authorize")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(authorize_query("web", "https://app.example/cb", "").into_bytes())
        .unwrap();
    let page = send(&s, posted);
    assert_eq!(page.status(), 200);
    assert!(String::from_utf8_lossy(page.body()).contains("name=\"password\""));
    let not_a_form = http::Request::post("/authorize")
        .header("content-type", "application/json")
        .body(b"{}".to_vec())
        .unwrap();
    assert_eq!(send(&s, not_a_form).status(), 400);
}

#[test]
fn oauth_endpoints_take_only_form_bodies() {
    let s = service();
    for (path, ct) in [
        ("/token", "application/json"),
        ("/token", "text/plain"),
        ("/introspect", "application/json"),
        ("/revoke", "multipart/form-data"),
    ] {
        let req = http::Request::post(path)
            .header("content-type", ct)
            .body(form(&[("grant_type", "client_credentials")]))
            .unwrap();
        let resp = send(&s, req);
        assert_eq!(resp.status(), 400, "{path} {ct}");
        assert_eq!(body(&resp)["error"], "invalid_request");
    }
    let charset = http::Request::post("/token")
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(form(&[("grant_type", "unknown")]))
        .unwrap();
    assert_eq!(
        body(&send(&s, charset))["error"],
        "invalid_client",
        "a charset is fine"
    );
}

#[test]
fn two_authorization_headers_are_refused() {
    let s = service();
    let basic =
        token_request(Vec::new(), Some(("web", "web-secret"))).headers()["authorization"].clone();
    let mut req = http::Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("grant_type", "client_credentials")]))
        .unwrap();
    req.headers_mut().append("authorization", basic.clone());
    req.headers_mut().append("authorization", basic);
    let resp = send(&s, req);
    assert_eq!(resp.status(), 400);
    assert_eq!(body(&resp)["error"], "invalid_request");

    let mut userinfo = http::Request::get("/userinfo").body(Vec::new()).unwrap();
    userinfo
        .headers_mut()
        .append("authorization", "Bearer a".parse().unwrap());
    userinfo
        .headers_mut()
        .append("authorization", "Bearer b".parse().unwrap());
    let resp = send(&s, userinfo);
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer error=\"invalid_request\""
    );
}

#[test]
fn every_html_page_carries_its_security_headers() {
    let s = service();
    let login_page = get(
        &s,
        &format!(
            "/authorize?{}",
            authorize_query("web", "https://app.example/cb", "")
        ),
    );
    let error_page = get(&s, "/authorize?client_id=nobody");
    for page in [&login_page, &error_page] {
        let h = page.headers();
        assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
        assert_eq!(h["x-frame-options"], "DENY");
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["cache-control"], "no-store");
        assert!(
            !h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("form-action"),
            "browsers apply form-action to the 303 to the client"
        );
    }
}

#[test]
fn only_confidential_clients_may_introspect() {
    let config = ServerConfig::new(AS_ISSUER).client(RegisteredClient::new(
        "spa",
        None,
        &["https://spa.example/cb"],
    ));
    let s = AuthServerService::new(
        Arc::new(AuthorizationServer::new(config, es256_key("k"))),
        Arc::new(MemoryStore::default()),
        Arc::new(StaticUsers::default()),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    );
    let req = http::Request::post("/introspect")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("client_id", "spa"), ("token", "anything")]))
        .unwrap();
    let resp = send(&s, req);
    assert_eq!(resp.status(), 401);
    assert_eq!(body(&resp)["error"], "invalid_client");
}

#[test]
fn the_basic_scheme_is_case_insensitive() {
    use base64::Engine as _;
    let s = service();
    let creds = base64::engine::general_purpose::STANDARD.encode("web:web-secret");
    for scheme in ["Basic", "basic", "BASIC"] {
        let req = http::Request::post("/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", format!("{scheme} {creds}"))
            .body(form(&[("grant_type", "client_credentials")]))
            .unwrap();
        assert_eq!(send(&s, req).status(), 200, "{scheme}");
    }
}
