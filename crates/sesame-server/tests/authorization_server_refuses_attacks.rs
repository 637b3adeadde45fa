//! Each attack, with the exact refusal.
mod common;
use common::server::*;
use common::*;
use serde_json::json;
use sesame_server::{
    redirect_matches, AuthorizationServer, AuthorizeError, MemoryStore, RegisteredClient,
    ServerConfig,
};

fn page(q: &str) -> &'static str {
    match server().authorize(q) {
        Err(AuthorizeError::Page(m)) => m,
        other => panic!("expected a 400 page, got {other:?}"),
    }
}

fn redirected_error(q: &str) -> std::collections::HashMap<String, String> {
    match server().authorize(q) {
        Err(AuthorizeError::Redirect(u)) => {
            assert!(u.as_str().starts_with("https://app.example/cb?"), "{u}");
            u.query_pairs().into_owned().collect()
        }
        other => panic!("expected an error redirect, got {other:?}"),
    }
}

#[test]
fn unregistered_and_near_miss_redirect_uris_get_a_page_never_a_redirect() {
    for bad in [
        "https://evil.example/cb",
        "https://app.example/cb/extra",
        "https://app.example/cb?x=1",
        "http://app.example/cb",
        "https://app.example:8443/cb",
        "https://app.example/cb#frag",
        "https://APP.example/cb ",
    ] {
        assert_eq!(
            page(&authorize_query("web", bad, "")),
            "redirect_uri is not registered for this client",
            "{bad}"
        );
    }
    assert_eq!(
        page(&authorize_query("nobody", "https://app.example/cb", "")),
        "unknown client"
    );
    assert_eq!(
        page("response_type=code&client_id=web"),
        "redirect_uri is required"
    );
}

#[test]
fn loopback_redirect_uris_may_change_only_the_port() {
    assert!(redirect_matches(
        "http://127.0.0.1:8080/cb",
        "http://127.0.0.1:51234/cb"
    ));
    assert!(redirect_matches(
        "http://[::1]:8080/cb",
        "http://[::1]:9/cb"
    ));
    assert!(!redirect_matches(
        "http://127.0.0.1:8080/cb",
        "http://127.0.0.1:51234/other"
    ));
    assert!(!redirect_matches(
        "http://127.0.0.1:8080/cb",
        "https://127.0.0.1:8080/cb"
    ));
    assert!(
        !redirect_matches("http://localhost:8080/cb", "http://localhost:9/cb"),
        "only IP literals (RFC 8252 §8.3)"
    );
    let native = AuthorizationServer::new(
        ServerConfig::new(AS_ISSUER)
            .scopes(["api:read"])
            .client(RegisteredClient::new("app", None, &["http://127.0.0.1:8080/cb"]).native_app()),
        es256_key("k"),
    );
    assert!(native
        .authorize(&authorize_query("app", "http://127.0.0.1:40000/cb", ""))
        .is_ok());
    assert!(
        redirect_matches("http://127.0.0.1", "http://127.0.0.1:8080"),
        "a registered URI without a path"
    );
    assert!(!redirect_matches(
        "http://127.0.0.1",
        "http://127.0.0.10:8080"
    ));
    assert!(!redirect_matches(
        "http://127.0.0.1",
        "http://127.0.0.1:8080@evil.example"
    ));
}

#[test]
fn other_spellings_of_a_registered_uri_are_refused() {
    // RFC 9700 §4.1.3: compared as strings, nothing normalised — for web
    // clients on loopback too, whose port is fixed.
    let s = server();
    for spelling in [
        "http://127.0.0.1:8080/cb/",
        "http://127.0.0.1.:8080/cb",
        "http://127.1:8080/cb",
        "http://0x7f000001:8080/cb",
        "http://2130706433:8080/cb",
        "HTTP://127.0.0.1:8080/cb",
        "http://127.0.0.1:8080/./cb",
        "http://127.0.0.1:8080/%2e/cb",
        "http://127.0.0.1:8080/x/../cb",
        "http://127.0.0.1:08080/cb",
        "http://127.0.0.1:8080/cb#frag",
        "http://user@127.0.0.1:8080/cb",
        "http://127.0.0.1:40000/cb",
    ] {
        assert!(
            s.authorize(&authorize_query("spa", spelling, "")).is_err(),
            "{spelling} must not match http://127.0.0.1:8080/cb"
        );
    }
    assert!(s
        .authorize(&authorize_query("spa", "http://127.0.0.1:8080/cb", ""))
        .is_ok());
    // A native app's any-port rule does not open the other spellings either.
    for spelling in [
        "http://127.1:5000/cb",
        "http://127.0.0.1:5000/./cb",
        "http://127.0.0.1:/cb",
        "http://127.0.0.1:123456/cb",
        "HTTP://127.0.0.1:5000/cb",
    ] {
        assert!(
            !redirect_matches("http://127.0.0.1:8080/cb", spelling),
            "{spelling}"
        );
    }
}

#[test]
fn pkce_is_mandatory_and_plain_is_refused() {
    let no_pkce =
        "response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s";
    let q = redirected_error(no_pkce);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str(), q["iss"].as_str()),
        ("invalid_request", "s", AS_ISSUER)
    );
    let plain = authorize_query("web", "https://app.example/cb", "")
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    assert_eq!(redirected_error(&plain)["error"], "invalid_request");
    let missing_method = authorize_query("web", "https://app.example/cb", "")
        .replace("&code_challenge_method=S256", "");
    assert_eq!(
        redirected_error(&missing_method)["error"],
        "invalid_request"
    );
}

#[test]
fn only_response_type_code_and_known_scopes() {
    let token = authorize_query("web", "https://app.example/cb", "")
        .replace("response_type=code", "response_type=token");
    assert_eq!(
        redirected_error(&token)["error"],
        "unsupported_response_type"
    );
    let scope =
        authorize_query("web", "https://app.example/cb", "").replace("api:read", "admin:all");
    assert_eq!(redirected_error(&scope)["error"], "invalid_scope");
}

#[test]
fn duplicated_oversized_and_non_utf8_parameters_are_4xx() {
    assert_eq!(
        page(&authorize_query(
            "web",
            "https://app.example/cb",
            "&state=again"
        )),
        "a parameter is repeated"
    );
    assert_eq!(
        page(&authorize_query(
            "web",
            "https://app.example/cb",
            &format!("&login_hint={}", "a".repeat(10_240))
        )),
        "request too large"
    );
    assert_eq!(
        page(&format!(
            "{}&x=%ff%fe",
            authorize_query("web", "https://app.example/cb", "")
        )),
        "malformed parameters"
    );
    let (s, store) = (server(), MemoryStore::default());
    for b in [
        vec![0xff, 0xfe, b'=', 0x80],
        form(&[("grant_type", "a"), ("grant_type", "b")]),
        vec![b'a'; 20_000],
    ] {
        let r = block_on(s.token(
            &token_request(b, Some(("web", "web-secret"))),
            &store,
            now(),
            &rng(),
        ));
        assert_eq!(r.status(), 400);
        assert_eq!(body(&r)["error"], "invalid_request");
    }
}

#[test]
fn wrong_verifier() {
    let (s, store) = (server(), MemoryStore::default());
    let code = web_code(&s, &store);
    let wrong = "x".repeat(43);
    let pairs = code_form(&code, "https://app.example/cb", &wrong);
    let r = post_token(&s, &store, &pairs, Some(("web", "web-secret")));
    assert_eq!(
        (r.status().as_u16(), body(&r)["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // The code is spent, and the family it named (its prefix) is revoked:
    // the refresh token saved as the code was taken is dead.
    assert_eq!(
        body(&redeem(&s, &store, &code, now()))["error"],
        "invalid_grant"
    );
    let family = code.split_once('.').unwrap().0;
    assert!(block_on(sesame_server::Store::is_family_revoked(&store, family)).unwrap());
}

#[test]
fn a_code_saved_before_codes_named_their_family_still_redeems() {
    use sesame_server::{CodeGrant, Store};
    let (s, store) = (server(), MemoryStore::default());
    // Such a code is keyed by its bare hash.
    let code = "legacy-code-with-no-family-in-it-0123456789a";
    let hash = sesame_core::base64url::encode(sesame_core::crypto::sha256(code.as_bytes()));
    let grant = CodeGrant {
        client_id: "web".into(),
        redirect_uri: "https://app.example/cb".into(),
        code_challenge: CHALLENGE.into(),
        scopes: vec!["openid".into(), "api:read".into()],
        subject: "user-42".into(),
        claims: Default::default(),
        nonce: Some("n-1".into()),
        expires_at: now() + secs(60),
        family: "legacy-family".into(),
        dpop_jkt: None,
    };
    block_on(store.save_code(&hash, grant)).unwrap();
    let first = body(&redeem(&s, &store, code, now()));
    let rt = first["refresh_token"].as_str().unwrap();
    assert!(rt.starts_with("legacy-family."), "{rt}");
    let pairs = [("grant_type", "refresh_token"), ("refresh_token", rt)];
    let r = post_token(&s, &store, &pairs, Some(("web", "web-secret")));
    assert!(body(&r)["access_token"].is_string(), "{:?}", body(&r));
    // Single use all the same.
    assert_eq!(
        body(&redeem(&s, &store, code, now()))["error"],
        "invalid_grant"
    );
}

#[test]
fn code_replay_is_refused_and_revokes_its_tokens() {
    let (s, store) = (server(), MemoryStore::default());
    let code = web_code(&s, &store);
    let first = body(&redeem(&s, &store, &code, now()));
    let replay = redeem(&s, &store, &code, now() + secs(1));
    assert_eq!(
        (replay.status().as_u16(), body(&replay)["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // The refresh token issued from the replayed code no longer works.
    let pairs = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first["refresh_token"].as_str().unwrap()),
    ];
    let r = post_token(&s, &store, &pairs, Some(("web", "web-secret")));
    assert_eq!(body(&r)["error"], "invalid_grant");
    // And its family is revoked (the access token's sid).
    let sid = claims_of(&s, first["access_token"].as_str().unwrap()).1["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(block_on(sesame_server::Store::is_family_revoked(&store, &sid)).unwrap());
}

#[test]
fn code_redeemed_by_another_client_or_with_another_redirect_uri() {
    let (s, store) = (server(), MemoryStore::default());
    let code = web_code(&s, &store);
    let pairs = code_form(&code, "https://app.example/cb", VERIFIER);
    let r = post_token(&s, &store, &pairs, Some(("other", "other-secret")));
    assert_eq!(body(&r)["error"], "invalid_grant");

    let code = web_code(&s, &store);
    let pairs = code_form(&code, "https://app.example/other", VERIFIER);
    let r = post_token(&s, &store, &pairs, Some(("web", "web-secret")));
    assert_eq!(body(&r)["error"], "invalid_grant");
}

#[test]
fn expired_code() {
    let (s, store) = (server(), MemoryStore::default());
    let code = web_code(&s, &store);
    let r = redeem(&s, &store, &code, now() + secs(61));
    assert_eq!(body(&r)["error"], "invalid_grant");
}

#[test]
fn refresh_token_reuse_after_rotation_revokes_the_family() {
    let (s, store) = (server(), MemoryStore::default());
    let code = web_code(&s, &store);
    let rt1 = body(&redeem(&s, &store, &code, now()))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = |rt: &str| {
        let pairs = [("grant_type", "refresh_token"), ("refresh_token", rt)];
        post_token(&s, &store, &pairs, Some(("web", "web-secret")))
    };
    let rt2 = body(&refresh(&rt1))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The attacker replays the old token: refused, and the legitimate new one dies too.
    assert_eq!(body(&refresh(&rt1))["error"], "invalid_grant");
    assert_eq!(body(&refresh(&rt2))["error"], "invalid_grant");
}

#[test]
fn wrong_client_secret_is_401_with_www_authenticate() {
    let (s, store) = (server(), MemoryStore::default());
    let code = web_code(&s, &store);
    let pairs = code_form(&code, "https://app.example/cb", VERIFIER);
    let r = post_token(&s, &store, &pairs, Some(("web", "wrong")));
    assert_eq!(r.status(), 401);
    assert_eq!(body(&r)["error"], "invalid_client");
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    // Secret in the body instead: also 401.
    let pairs = [
        ("grant_type", "client_credentials"),
        ("client_id", "web"),
        ("client_secret", "nope"),
    ];
    assert_eq!(post_token(&s, &store, &pairs, None).status(), 401);
    // A public client sending a secret, or a confidential one sending none.
    let pairs = [("grant_type", "client_credentials"), ("client_id", "web")];
    assert_eq!(post_token(&s, &store, &pairs, None).status(), 401);
}

#[test]
fn client_credentials_get_only_scopes_the_server_knows() {
    let (s, store) = (server(), MemoryStore::default());
    let pairs = [
        ("grant_type", "client_credentials"),
        ("scope", "admin:everything"),
    ];
    let r = post_token(&s, &store, &pairs, Some(("web", "web-secret")));
    assert_eq!(r.status(), 400);
    assert_eq!(body(&r)["error"], "invalid_scope");
}

#[test]
fn app_claims_cannot_override_reserved_ones() {
    let (s, store) = (server(), MemoryStore::default());
    let evil = json!({"iss": "https://evil.example", "exp": 9_999_999_999u64, "sub": "admin", "typ": "refresh", "scope": "everything", "role": "user"});
    let code = code_for(&s, &store, "web", "https://app.example/cb", evil, now());
    let b = body(&redeem(&s, &store, &code, now()));
    let (typ, at) = claims_of(&s, b["access_token"].as_str().unwrap());
    assert_eq!(typ.as_deref(), Some("at+jwt"));
    assert_eq!(at["iss"], AS_ISSUER);
    assert_eq!(at["sub"], "user-42");
    assert_eq!(at["scope"], "openid api:read");
    assert!(at["exp"].as_u64().unwrap() < 9_999_999_999);
    assert!(at.get("typ").is_none());
    assert_eq!(at["role"], "user");
    let (_, id) = claims_of(&s, b["id_token"].as_str().unwrap());
    assert_eq!(id["iss"], AS_ISSUER);
    assert_eq!(id["sub"], "user-42");
}

#[test]
fn unknown_grant_types_and_methods() {
    let (s, store) = (server(), MemoryStore::default());
    let req = token_request(
        form(&[
            ("grant_type", "password"),
            ("username", "a"),
            ("password", "b"),
        ]),
        Some(("web", "web-secret")),
    );
    assert_eq!(
        body(&block_on(s.token(&req, &store, now(), &rng())))["error"],
        "unsupported_grant_type"
    );
    let get = http::Request::get("https://as.example/token")
        .body(Vec::new())
        .unwrap();
    assert_eq!(block_on(s.token(&get, &store, now(), &rng())).status(), 400);
}

#[test]
fn a_docs_client_on_loopback_gets_no_other_port() {
    use sesame_core::openapi::DocsClient;
    let docs = DocsClient::new("swagger-ui");
    let config = ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(sesame_server::RegisteredClient::for_docs(
            &docs,
            "http://127.0.0.1:4000/docs/oauth2-redirect.html",
        ))
        .client(RegisteredClient::new("native", None, &["http://127.0.0.1/cb"]).native_app());
    let server = AuthorizationServer::new(config, es256_key("k"));
    let ok = server.authorize(&authorize_query(
        "swagger-ui",
        "http://127.0.0.1:4000/docs/oauth2-redirect.html",
        "",
    ));
    assert!(ok.is_ok(), "{:?}", ok.err());
    let other_port = server.authorize(&authorize_query(
        "swagger-ui",
        "http://127.0.0.1:5555/docs/oauth2-redirect.html",
        "",
    ));
    assert!(
        other_port.is_err(),
        "a local process must not get the docs client's codes"
    );
    // Native apps keep RFC 8252's any-port loopback rule.
    assert!(server
        .authorize(&authorize_query("native", "http://127.0.0.1:61234/cb", ""))
        .is_ok());
}
