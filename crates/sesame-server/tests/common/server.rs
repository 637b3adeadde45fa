//! Fixtures for the authorization-server scenarios.
#![allow(dead_code)]

use std::future::Future;
use std::time::SystemTime;

use serde_json::{json, Map, Value};
use sesame_core::jose::{verify, Algorithm, JwkSet, SigningKey};
use sesame_server::{
    AuthServerService, AuthorizationRequest, AuthorizationServer, MemoryStore, RegisteredClient,
    ServerConfig,
};

pub const AS_ISSUER: &str = "https://as.example";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Runs a future that never waits on I/O (the in-memory store) to completion.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

pub fn server() -> AuthorizationServer {
    let config = ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "web",
            Some("web-secret"),
            &["https://app.example/cb"],
        ))
        .client(RegisteredClient::new(
            "spa",
            None,
            &["http://127.0.0.1:8080/cb"],
        ))
        .client(RegisteredClient::new(
            "other",
            Some("other-secret"),
            &["https://other.example/cb"],
        ));
    AuthorizationServer::new(config, super::es256_key("as-key-1"))
}

pub fn authorize_query(client: &str, redirect: &str, extra: &str) -> String {
    format!(
        "response_type=code&client_id={client}&redirect_uri={}&scope=openid%20api:read&state=st-1&nonce=n-1&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
        super::urlencode(redirect)
    )
}

pub fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

pub fn token_request(body: Vec<u8>, basic: Option<(&str, &str)>) -> http::Request<Vec<u8>> {
    let mut b = http::Request::post("https://as.example/token")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        use base64::Engine;
        b = b.header(
            "authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
            ),
        );
    }
    b.body(body).unwrap()
}

pub fn body(resp: &http::Response<Vec<u8>>) -> Value {
    serde_json::from_slice(resp.body()).unwrap()
}

/// Authorizes and approves for `client`, returning the code.
pub fn code_for(
    server: &AuthorizationServer,
    store: &MemoryStore,
    client: &str,
    redirect: &str,
    claims: Value,
    now: SystemTime,
) -> String {
    let req: AuthorizationRequest = server
        .authorize(&authorize_query(client, redirect, ""))
        .unwrap();
    let url = block_on(server.approve(
        &req,
        "user-42",
        claims.as_object().cloned().unwrap_or_default(),
        store,
        now,
        &super::rng(),
    ))
    .unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

/// A code for the confidential client `web` at its registered redirect
/// URI, approved now with no app claims.
pub fn web_code(server: &AuthorizationServer, store: &MemoryStore) -> String {
    code_for(
        server,
        store,
        "web",
        "https://app.example/cb",
        no_claims(),
        super::now(),
    )
}

/// Posts the form `pairs` to `/token` (with HTTP Basic credentials if
/// given) now, and returns the answer.
pub fn post_token(
    server: &AuthorizationServer,
    store: &MemoryStore,
    pairs: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> http::Response<Vec<u8>> {
    let req = token_request(form(pairs), basic);
    block_on(server.token(&req, store, super::now(), &super::rng()))
}

/// An authorization-code redemption's form with these parts.
pub fn code_form<'a>(
    code: &'a str,
    redirect: &'a str,
    verifier: &'a str,
) -> [(&'a str, &'a str); 4] {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect),
        ("code_verifier", verifier),
    ]
}

pub fn redeem(
    server: &AuthorizationServer,
    store: &MemoryStore,
    code: &str,
    now: SystemTime,
) -> http::Response<Vec<u8>> {
    let req = token_request(
        form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", "https://app.example/cb"),
            ("code_verifier", VERIFIER),
        ]),
        Some(("web", "web-secret")),
    );
    block_on(server.token(&req, store, now, &super::rng()))
}

/// Verifies a token issued by the server and returns (header typ, claims).
pub fn claims_of(
    server: &AuthorizationServer,
    token: &str,
) -> (Option<String>, Map<String, Value>) {
    let jwks = server.jwks();
    let keys = JwkSet::parse(jwks.to_string().as_bytes()).unwrap();
    let v = verify(
        token,
        &keys,
        &[Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256],
    )
    .unwrap();
    (v.header.typ.clone(), v.claims().unwrap())
}

pub fn new_key(kid: &str) -> SigningKey {
    SigningKey::generate(Algorithm::ES256, kid).unwrap().0
}

pub fn no_claims() -> Value {
    json!({})
}

/// Service-level helpers: requests through `AuthServerService::handle`.
pub fn get(s: &AuthServerService, uri: &str) -> http::Response<Vec<u8>> {
    block_on(s.handle(
        http::Request::get(uri).body(Vec::new()).unwrap(),
        super::now(),
        &super::rng(),
    ))
}

pub fn post(
    s: &AuthServerService,
    uri: &str,
    body: Vec<u8>,
    cookie: &str,
) -> http::Response<Vec<u8>> {
    let req = http::Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(body)
        .unwrap();
    block_on(s.handle(req, super::now(), &super::rng()))
}

pub fn field(html: &str, name: &str) -> String {
    html.split_once(&format!("name=\"{name}\" value=\""))
        .unwrap()
        .1
        .split_once('"')
        .unwrap()
        .0
        .to_owned()
}

pub fn csrf_cookie(resp: &http::Response<Vec<u8>>) -> String {
    resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

pub fn page(resp: &http::Response<Vec<u8>>) -> String {
    String::from_utf8(resp.body().clone()).unwrap()
}

pub fn login(
    s: &AuthServerService,
    client: &str,
    redirect: &str,
    password: &str,
) -> http::Response<Vec<u8>> {
    let form_page = get(
        s,
        &format!("/authorize?{}", authorize_query(client, redirect, "")),
    );
    assert_eq!(form_page.status(), 200);
    assert_eq!(form_page.headers()["x-frame-options"], "DENY");
    let html = page(&form_page);
    let body = form(&[
        ("authorization", &field(&html, "authorization")),
        ("csrf", &field(&html, "csrf")),
        ("username", "alice"),
        ("password", password),
    ]);
    post(s, "/login", body, &csrf_cookie(&form_page))
}
