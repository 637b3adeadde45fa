//! Pushed authorization requests (RFC 9126): `POST /par` checks the
//! client and the request; its `request_uri` works once, for its client,
//! until it expires; "PAR required" refuses plain requests.
mod common;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::server::*;
use common::*;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
    StaticUsers, REQUEST_URI_PREFIX,
};

fn config() -> ServerConfig {
    ServerConfig::new(AS_ISSUER)
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
        .client(
            RegisteredClient::new("fapi", Some("fapi-secret"), &["https://fapi.example/cb"])
                .require_pushed_requests(),
        )
}

fn service_with(config: ServerConfig, store: Arc<MemoryStore>) -> AuthServerService {
    let users = StaticUsers::default().user("alice", "pw", Default::default());
    AuthServerService::new(
        Arc::new(AuthorizationServer::new(config, es256_key("k"))),
        store,
        Arc::new(users),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    )
}

fn service() -> AuthServerService {
    service_with(config(), Arc::new(MemoryStore::default()))
}

fn push_at(
    s: &AuthServerService,
    body: &str,
    basic: Option<(&str, &str)>,
    at: std::time::SystemTime,
) -> http::Response<Vec<u8>> {
    let mut req = token_request(body.as_bytes().to_vec(), basic);
    *req.uri_mut() = "/par".parse().unwrap();
    block_on(s.handle(req, at, &rng()))
}

fn push(s: &AuthServerService, body: &str, basic: Option<(&str, &str)>) -> http::Response<Vec<u8>> {
    push_at(s, body, basic, now())
}

fn request_uri(resp: &http::Response<Vec<u8>>) -> String {
    assert_eq!(resp.status(), 201, "{}", page(resp));
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let b = body(resp);
    assert_eq!(b["expires_in"], 60);
    let uri = b["request_uri"].as_str().unwrap().to_owned();
    assert!(uri.starts_with(REQUEST_URI_PREFIX), "{uri}");
    uri
}

fn authorize_at(
    s: &AuthServerService,
    client: &str,
    uri: &str,
    at: std::time::SystemTime,
) -> http::Response<Vec<u8>> {
    let q = format!("client_id={client}&request_uri={}", urlencode(uri));
    block_on(
        s.handle(
            http::Request::get(format!("/authorize?{q}"))
                .body(Vec::new())
                .unwrap(),
            at,
            &rng(),
        ),
    )
}

fn redirect_params(resp: &http::Response<Vec<u8>>) -> HashMap<String, String> {
    assert_eq!(resp.status(), 303, "{}", page(resp));
    let location = resp.headers()["location"].to_str().unwrap();
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn oauth_error(resp: &http::Response<Vec<u8>>) -> (u16, String, String) {
    let b = body(resp);
    (
        resp.status().as_u16(),
        b["error"].as_str().unwrap_or_default().to_owned(),
        b["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[test]
fn a_pushed_request_leads_to_the_login_page_and_a_code() {
    let s = service();
    let uri = request_uri(&push(
        &s,
        &authorize_query("web", "https://app.example/cb", ""),
        Some(("web", "web-secret")),
    ));
    let form_page = authorize_at(&s, "web", &uri, now());
    assert_eq!(form_page.status(), 200, "{}", page(&form_page));
    let html = page(&form_page);
    let body = form(&[
        ("authorization", &field(&html, "authorization")),
        ("csrf", &field(&html, "csrf")),
        ("username", "alice"),
        ("password", "pw"),
    ]);
    let done = post(&s, "/login", body, &csrf_cookie(&form_page));
    let q = redirect_params(&done);
    assert!(q.contains_key("code"));
    assert_eq!(q["state"], "st-1");
    assert_eq!(q["iss"], AS_ISSUER);
    assert!(done.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("https://app.example/cb?"));
}

#[test]
fn public_clients_push_with_their_client_id_and_secrets_are_not_carried() {
    let s = service();
    let resp = push(
        &s,
        &authorize_query("spa", "http://127.0.0.1:8080/cb", ""),
        None,
    );
    let uri = request_uri(&resp);
    // The request_uri is sealed: it reveals none of the request.
    assert!(!uri.contains("127.0.0.1") && !uri.contains("st-1"), "{uri}");
    assert_eq!(authorize_at(&s, "spa", &uri, now()).status(), 200);

    // client_secret_post: the secret is checked, then dropped.
    let body = format!(
        "{}&client_secret=web-secret",
        authorize_query("web", "https://app.example/cb", "")
    );
    let uri = request_uri(&push(&s, &body, None));
    assert!(!uri.contains("web-secret"));
}

#[test]
fn a_request_uri_works_once() {
    let s = service();
    let uri = request_uri(&push(
        &s,
        &authorize_query("web", "https://app.example/cb", ""),
        Some(("web", "web-secret")),
    ));
    assert_eq!(authorize_at(&s, "web", &uri, now()).status(), 200);
    let again = redirect_params(&authorize_at(&s, "web", &uri, now()));
    assert_eq!(again["error"], "invalid_request_uri");
    assert_eq!(
        again["error_description"],
        "the request_uri was already used"
    );
    assert_eq!(again["state"], "st-1");
    assert_eq!(again["iss"], AS_ISSUER);
}

#[test]
fn single_use_holds_across_instances_sharing_a_store() {
    let store = Arc::new(MemoryStore::default());
    let a = service_with(config(), store.clone());
    let b = service_with(config(), store);
    let uri = request_uri(&push(
        &a,
        &authorize_query("web", "https://app.example/cb", ""),
        Some(("web", "web-secret")),
    ));
    // Pushed to one instance, redeemed at the other (same sealing key).
    assert_eq!(authorize_at(&b, "web", &uri, now()).status(), 200);
    assert_eq!(
        redirect_params(&authorize_at(&a, "web", &uri, now()))["error"],
        "invalid_request_uri"
    );
}

#[test]
fn an_expired_request_uri_is_refused() {
    let s = service();
    let uri = request_uri(&push(
        &s,
        &authorize_query("web", "https://app.example/cb", ""),
        Some(("web", "web-secret")),
    ));
    let later = now() + Duration::from_secs(60);
    let q = redirect_params(&authorize_at(&s, "web", &uri, later));
    assert_eq!(q["error"], "invalid_request_uri");
    assert_eq!(q["error_description"], "the request_uri has expired");
    // Just before, it still works.
    assert_eq!(
        authorize_at(&s, "web", &uri, now() + Duration::from_secs(59)).status(),
        200
    );
}

#[test]
fn another_client_cannot_use_a_request_uri() {
    let s = service();
    let uri = request_uri(&push(
        &s,
        &authorize_query("web", "https://app.example/cb", ""),
        Some(("web", "web-secret")),
    ));
    for client in ["spa", "nobody", ""] {
        let resp = authorize_at(&s, client, &uri, now());
        assert_eq!(resp.status(), 400, "{client}");
        assert!(page(&resp).contains("pushed by another client"), "{client}");
    }
    // The refusals did not use it up.
    assert_eq!(authorize_at(&s, "web", &uri, now()).status(), 200);
}

#[test]
fn forged_or_foreign_request_uris_get_an_error_page() {
    let s = service();
    for bad in [
        "urn:ietf:params:oauth:request_uri:forged",
        "https://evil.example/request.jwt",
        "",
    ] {
        let resp = authorize_at(&s, "web", bad, now());
        assert_eq!(resp.status(), 400, "{bad}");
        assert!(page(&resp).contains("unknown or has expired"), "{bad}");
    }
    // Sealed by another server's key.
    let other = AuthServerService::new(
        Arc::new(AuthorizationServer::new(config(), es256_key("k"))),
        Arc::new(MemoryStore::default()),
        Arc::new(StaticUsers::default()),
        Sealer::new(SealingKey::from_bytes([9; 32])),
    );
    let uri = request_uri(&push(
        &other,
        &authorize_query("web", "https://app.example/cb", ""),
        Some(("web", "web-secret")),
    ));
    assert_eq!(authorize_at(&s, "web", &uri, now()).status(), 400);
}

#[test]
fn the_push_is_checked_as_authorize_would_with_json_errors() {
    let s = service();
    let web = Some(("web", "web-secret"));
    let cases = [
        (
            authorize_query("web", "https://evil.example/cb", ""),
            web,
            (
                400,
                "invalid_request",
                "redirect_uri is not registered for this client",
            ),
        ),
        (
            authorize_query("web", "https://app.example/cb", "&request_uri=urn:x"),
            web,
            (400, "invalid_request", "request_uri cannot be pushed"),
        ),
        (
            authorize_query("web", "https://app.example/cb", "&request=eyJ"),
            web,
            (
                400,
                "request_not_supported",
                "request objects are not supported",
            ),
        ),
        (
            authorize_query("web", "https://app.example/cb", "")
                .replace("code_challenge_method=S256", "code_challenge_method=plain"),
            web,
            (400, "invalid_request", "code_challenge_method must be S256"),
        ),
        (
            authorize_query("web", "https://app.example/cb", "")
                .replace("scope=openid%20api:read", "scope=admin"),
            web,
            (400, "invalid_scope", "a requested scope is not allowed"),
        ),
        (
            authorize_query("web", "https://app.example/cb", "")
                .replace("response_type=code", "response_type=token"),
            web,
            (
                400,
                "unsupported_response_type",
                "only response_type=code is supported",
            ),
        ),
        (
            "response_type=code&client_id=web".to_owned(),
            web,
            (400, "invalid_request", "redirect_uri is required"),
        ),
    ];
    for (body, basic, (status, error, description)) in cases {
        let got = oauth_error(&push(&s, &body, basic));
        assert_eq!(got.0, status, "{body}: {got:?}");
        assert_eq!(got.1, error, "{body}");
        assert_eq!(got.2, description, "{body}");
    }
    // Wrong secret, or a client id in the body that is not the one
    // authenticated: invalid_client.
    let wrong = push(
        &s,
        &authorize_query("web", "https://app.example/cb", ""),
        Some(("web", "wrong")),
    );
    assert_eq!(wrong.status(), 401);
    assert_eq!(body(&wrong)["error"], "invalid_client");
    let mismatch = push(
        &s,
        &authorize_query("spa", "http://127.0.0.1:8080/cb", ""),
        Some(("web", "web-secret")),
    );
    assert_eq!(body(&mismatch)["error"], "invalid_client");
    // A confidential client cannot push without its secret.
    let anonymous = push(
        &s,
        &authorize_query("web", "https://app.example/cb", ""),
        None,
    );
    assert_eq!(body(&anonymous)["error"], "invalid_client");
    // Only POST, only forms.
    let get = block_on(s.handle(
        http::Request::get("/par").body(Vec::new()).unwrap(),
        now(),
        &rng(),
    ));
    assert_eq!(get.status(), 405);
    assert_eq!(get.headers()["allow"], "POST");
    let json = block_on(
        s.handle(
            http::Request::post("/par")
                .header("content-type", "application/json")
                .body(b"{}".to_vec())
                .unwrap(),
            now(),
            &rng(),
        ),
    );
    assert_eq!(body(&json)["error"], "invalid_request");
}

#[test]
fn par_required_per_client_refuses_plain_requests() {
    let s = service();
    let plain = get(
        &s,
        &format!(
            "/authorize?{}",
            authorize_query("fapi", "https://fapi.example/cb", "")
        ),
    );
    let q = redirect_params(&plain);
    assert_eq!(q["error"], "invalid_request");
    assert!(q["error_description"].contains("must push"), "{q:?}");
    // Other clients are not affected; the pushed request works.
    assert_eq!(
        get(
            &s,
            &format!(
                "/authorize?{}",
                authorize_query("web", "https://app.example/cb", "")
            )
        )
        .status(),
        200
    );
    let uri = request_uri(&push(
        &s,
        &authorize_query("fapi", "https://fapi.example/cb", ""),
        Some(("fapi", "fapi-secret")),
    ));
    assert_eq!(authorize_at(&s, "fapi", &uri, now()).status(), 200);
}

#[test]
fn par_required_for_everyone_is_advertised_and_enforced() {
    let s = service_with(
        config().require_pushed_requests(),
        Arc::new(MemoryStore::default()),
    );
    let meta = s.server().metadata();
    assert_eq!(
        meta["pushed_authorization_request_endpoint"],
        format!("{AS_ISSUER}/par")
    );
    assert_eq!(meta["require_pushed_authorization_requests"], true);
    let plain = get(
        &s,
        &format!(
            "/authorize?{}",
            authorize_query("web", "https://app.example/cb", "")
        ),
    );
    assert_eq!(redirect_params(&plain)["error"], "invalid_request");
    let default = service().server().metadata();
    assert_eq!(default["require_pushed_authorization_requests"], false);
}

#[test]
fn only_the_pushed_parameters_count() {
    let s = service();
    let uri = request_uri(&push(
        &s,
        &authorize_query("web", "https://app.example/cb", ""),
        Some(("web", "web-secret")),
    ));
    // A redirect_uri or state added in the browser is ignored.
    let q = format!(
        "client_id=web&request_uri={}&redirect_uri={}&state=evil",
        urlencode(&uri),
        urlencode("https://evil.example/cb")
    );
    let form_page = get(&s, &format!("/authorize?{q}"));
    assert_eq!(form_page.status(), 200);
    let html = page(&form_page);
    let body = form(&[
        ("authorization", &field(&html, "authorization")),
        ("csrf", &field(&html, "csrf")),
        ("username", "alice"),
        ("password", "pw"),
    ]);
    let done = post(&s, "/login", body, &csrf_cookie(&form_page));
    let location = done.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("https://app.example/cb?"),
        "{location}"
    );
    assert_eq!(redirect_params(&done)["state"], "st-1");
}
