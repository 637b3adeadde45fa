//! `idp={id}` on an authorization request goes straight to that social
//! button's login, carrying the sealed request so that the social login
//! resumes it; the login route forwards `idp` only when the client allows it.
mod common;
use std::sync::Arc;

use common::server::*;
use common::*;
use sesame_core::client::ClientConfig;
use sesame_core::login::LoginService;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, LoginButton, LoginPage, MemoryStore, RegisteredClient,
    ServerConfig, StaticUsers, SOCIAL_CONTINUE_PATH,
};

fn service() -> AuthServerService {
    let config = ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "web",
            Some("web-secret"),
            &["https://app.example/cb"],
        ));
    let page = LoginPage {
        buttons: vec![LoginButton {
            id: "github".into(),
            label: "Sign in with GitHub".into(),
            href: "/auth/github/login".into(),
        }],
        ..LoginPage::default()
    };
    AuthServerService::new(
        Arc::new(AuthorizationServer::new(config, es256_key("k"))),
        Arc::new(MemoryStore::default()),
        Arc::new(StaticUsers::default()),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    )
    .login_page(page)
}

fn authorize(s: &AuthServerService, extra: &str) -> http::Response<Vec<u8>> {
    let uri = format!(
        "/authorize?{}",
        authorize_query("web", "https://app.example/cb", extra)
    );
    block_on(s.handle(
        http::Request::get(uri).body(Vec::new()).unwrap(),
        now(),
        &rng(),
    ))
}

#[test]
fn a_known_hint_redirects_to_the_social_login_with_the_sealed_request() {
    let s = service();
    let resp = authorize(&s, "&idp=github");
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap();
    let (path, query) = location.split_once('?').unwrap();
    assert_eq!(path, "/auth/github/login");
    let return_to = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "return_to")
        .unwrap()
        .1
        .into_owned();
    let sealed = return_to
        .strip_prefix(&format!("{SOCIAL_CONTINUE_PATH}?authorization="))
        .unwrap();
    let sealed: String = url::form_urlencoded::parse(format!("a={sealed}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    let request = s
        .open_pending(&sealed, now())
        .expect("the sealed request opens");
    assert_eq!(request.client_id, "web");
    assert_eq!(request.state.as_deref(), Some("st-1"));
}

#[test]
fn an_unknown_hint_shows_the_login_page() {
    let resp = authorize(&service(), "&idp=gitlab");
    assert_eq!(resp.status(), 200);
    let html = String::from_utf8(resp.body().clone()).unwrap();
    assert!(html.contains("Sign in with GitHub"), "{html}");
}

#[test]
fn a_hint_never_skips_the_checks_of_the_request() {
    // A wrong redirect URI is still refused with a page, not redirected.
    let s = service();
    let uri = format!(
        "/authorize?{}",
        authorize_query("web", "https://evil.example/cb", "&idp=github")
    );
    let resp = block_on(s.handle(
        http::Request::get(uri).body(Vec::new()).unwrap(),
        now(),
        &rng(),
    ));
    assert_eq!(resp.status(), 400);
}

fn login_location(config: ClientConfig, query: &str) -> url::Url {
    let service = LoginService::new(Sealer::new(SealingKey::from_bytes([9; 32])))
        .provider(client_with(config));
    let redirect = service
        .start_from_query("op", &metadata(), Some(query), now(), &rng())
        .unwrap();
    redirect.location
}

#[test]
fn the_login_route_forwards_only_allowed_parameters() {
    let config = ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
        .secret("s3cret")
        .forward_login_param("idp")
        .forward_login_param("state")
        .forward_login_param("redirect_uri");
    let url = login_location(
        config,
        "return_to=/home&idp=github&prompt=login&state=evil&redirect_uri=https://evil.example/",
    );
    assert_eq!(param(&url, "idp").as_deref(), Some("github"));
    assert_eq!(param(&url, "prompt"), None, "not allowed by the client");
    let pairs = query_of(&url);
    assert_eq!(pairs.iter().filter(|(k, _)| k == "state").count(), 1);
    assert_ne!(param(&url, "state").as_deref(), Some("evil"));
    assert_eq!(param(&url, "redirect_uri").as_deref(), Some(REDIRECT));
}

#[test]
fn without_forwarding_the_query_only_sets_return_to() {
    let config = ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()).secret("s3cret");
    let url = login_location(config, "return_to=/home&idp=github");
    assert_eq!(param(&url, "idp"), None);
}

#[test]
fn a_bad_return_to_is_refused_as_before() {
    let service = LoginService::new(Sealer::new(SealingKey::from_bytes([9; 32])))
        .provider(confidential_client());
    let err = service
        .start_from_query(
            "op",
            &metadata(),
            Some("return_to=https://evil.example/"),
            now(),
            &rng(),
        )
        .unwrap_err();
    assert_eq!(err.status(), 400);
}

#[test]
fn a_forwarded_parameter_never_duplicates_a_fixed_one() {
    let config = ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
        .secret("s3cret")
        .authorization_param("prompt", "consent")
        .forward_login_param("prompt")
        .forward_login_param("login_hint");
    let url = login_location(config, "prompt=none&login_hint=alice");
    let prompts: Vec<_> = query_of(&url)
        .into_iter()
        .filter(|(k, _)| k == "prompt")
        .collect();
    assert_eq!(prompts, [("prompt".to_owned(), "consent".to_owned())]);
    assert_eq!(param(&url, "login_hint").as_deref(), Some("alice"));
}
