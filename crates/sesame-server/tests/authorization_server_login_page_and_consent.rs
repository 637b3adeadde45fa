//! The login page and the consent screen, through `AuthServerService::handle`.
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
        ))
        .client(
            RegisteredClient::new("partner", Some("p-secret"), &["https://partner.example/cb"])
                .third_party(),
        );
    let users = StaticUsers::default().user(
        "alice",
        "pw",
        json!({"role": "admin"}).as_object().cloned().unwrap(),
    );
    AuthServerService::new(
        Arc::new(AuthorizationServer::new(config, es256_key("k"))),
        Arc::new(MemoryStore::default()),
        Arc::new(users),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    )
}

#[test]
fn first_party_login_answers_303_with_a_code() {
    let s = service();
    let resp = login(&s, "web", "https://app.example/cb", "pw");
    assert_eq!(
        resp.status(),
        303,
        "never 307/308: the password is not re-posted"
    );
    let loc = resp.headers()["location"].to_str().unwrap();
    assert!(loc.starts_with("https://app.example/cb?code="), "{loc}");
}

#[test]
fn wrong_password_shows_the_form_again() {
    let s = service();
    let resp = login(&s, "web", "https://app.example/cb", "nope");
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().get("location").is_none());
    assert!(page(&resp).contains("Wrong username or password"));
}

#[test]
fn the_login_post_needs_the_csrf_cookie() {
    let s = service();
    let form_page = get(
        &s,
        &format!(
            "/authorize?{}",
            authorize_query("web", "https://app.example/cb", "")
        ),
    );
    let html = page(&form_page);
    let body = form(&[
        ("authorization", &field(&html, "authorization")),
        ("csrf", &field(&html, "csrf")),
        ("username", "alice"),
        ("password", "pw"),
    ]);
    assert_eq!(post(&s, "/login", body.clone(), "").status(), 400);
    assert_eq!(
        post(&s, "/login", body, "sesame-csrf=AAAAAAAAAAAAAAAAAAAAAA").status(),
        400
    );
}

#[test]
fn third_party_clients_get_a_consent_screen() {
    let s = service();
    let consent = login(&s, "partner", "https://partner.example/cb", "pw");
    assert_eq!(consent.status(), 200);
    let html = page(&consent);
    assert!(html.contains("Allow <b>partner</b>"));
    let cookie = csrf_cookie(&consent);
    let sealed = field(&html, "consent");
    let csrf = field(&html, "csrf");

    let allow = post(
        &s,
        "/consent",
        form(&[("consent", &sealed), ("csrf", &csrf), ("decision", "allow")]),
        &cookie,
    );
    assert_eq!(allow.status(), 303);
    assert!(allow.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("https://partner.example/cb?code="));

    let deny = post(
        &s,
        "/consent",
        form(&[("consent", &sealed), ("csrf", &csrf), ("decision", "deny")]),
        &cookie,
    );
    let loc = deny.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        loc.contains("error=access_denied") && loc.contains("state=st-1") && loc.contains("iss="),
        "{loc}"
    );

    assert_eq!(
        post(
            &s,
            "/consent",
            form(&[("consent", &sealed), ("csrf", &csrf), ("decision", "allow")]),
            ""
        )
        .status(),
        400,
        "CSRF"
    );
}

#[test]
fn discovery_jwks_and_unknown_paths() {
    let s = service();
    for p in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/jwks.json",
    ] {
        let r = get(&s, p);
        assert_eq!(r.status(), 200, "{p}");
        assert_eq!(r.headers()["content-type"], "application/json");
    }
    assert_eq!(get(&s, "/nope").status(), 404);
}
