//! The FAPI 2.0 switch (`ServerConfig::fapi2`): a whole sign-in through
//! PAR with `private_key_jwt` and DPoP succeeds; secrets, public clients,
//! plain authorization requests, tokens without a proof and assertions
//! whose `aud` is the token endpoint are refused.
mod common;
use std::sync::Arc;

use common::server::*;
use common::*;
use serde_json::{json, Value};
use sesame_core::dpop::ProofKey;
use sesame_core::jose::{Algorithm, JwkSet, SigningKey};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
    StaticUsers, CLIENT_ASSERTION_TYPE,
};

fn client_key() -> SigningKey {
    es256_key("fapi-client")
}

fn service() -> AuthServerService {
    let jwks = JwkSet::parse(
        json!({"keys": [client_key().public_jwk().unwrap()]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let config = ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::private_key_jwt(
            "fapi",
            jwks,
            &["https://app.example/cb"],
        ))
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
        .fapi2();
    AuthServerService::new(
        Arc::new(AuthorizationServer::new(config, es256_key("as"))),
        Arc::new(MemoryStore::default()),
        Arc::new(StaticUsers::default().user("alice", "pw", Default::default())),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    )
}

fn assertion(aud: &str, jti: &str) -> String {
    let t = unix(now());
    let claims =
        json!({"iss": "fapi", "sub": "fapi", "aud": aud, "jti": jti, "iat": t, "exp": t + 60});
    client_key()
        .sign_claims(None, claims.as_object().unwrap())
        .unwrap()
}

fn post_to(
    s: &AuthServerService,
    path: &str,
    pairs: &[(&str, &str)],
    basic: Option<(&str, &str)>,
    dpop: Option<&str>,
) -> http::Response<Vec<u8>> {
    let mut req = token_request(form(pairs), basic);
    *req.uri_mut() = path.parse().unwrap();
    if let Some(p) = dpop {
        req.headers_mut().insert("dpop", p.parse().unwrap());
    }
    block_on(s.handle(req, now(), &rng()))
}

fn with_assertion<'a>(pairs: &[(&'a str, &'a str)], a: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut v = pairs.to_vec();
    v.push(("client_assertion_type", CLIENT_ASSERTION_TYPE));
    v.push(("client_assertion", a));
    v
}

fn request_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

#[test]
fn a_fapi_sign_in_pushes_authenticates_with_a_key_and_binds_the_token() {
    let s = service();
    let meta = s.server().metadata();
    assert_eq!(meta["require_pushed_authorization_requests"], true);
    assert_eq!(
        meta["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );

    let query = authorize_query("fapi", "https://app.example/cb", "");
    let owned = request_pairs(&query);
    let pairs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let a1 = assertion(AS_ISSUER, "j-1");
    let pushed = post_to(&s, "/par", &with_assertion(&pairs, &a1), None, None);
    assert_eq!(pushed.status(), 201, "{:?}", body(&pushed));
    let uri = body(&pushed)["request_uri"].as_str().unwrap().to_owned();

    let page_resp = get(
        &s,
        &format!("/authorize?client_id=fapi&request_uri={}", urlencode(&uri)),
    );
    assert_eq!(page_resp.status(), 200);
    let html = page(&page_resp);
    let done = post(
        &s,
        "/login",
        form(&[
            ("authorization", &field(&html, "authorization")),
            ("csrf", &field(&html, "csrf")),
            ("username", "alice"),
            ("password", "pw"),
        ]),
        &csrf_cookie(&page_resp),
    );
    let location = url::Url::parse(done.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();

    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let htu = url::Url::parse(&format!("{AS_ISSUER}/token")).unwrap();
    let proof = key
        .proof(&http::Method::POST, &htu, now(), &rng(), None, None)
        .unwrap();
    let a2 = assertion(AS_ISSUER, "j-2");
    let token = post_to(
        &s,
        "/token",
        &with_assertion(&code_form(&code, "https://app.example/cb", VERIFIER), &a2),
        None,
        Some(&proof),
    );
    assert_eq!(token.status(), 200, "{:?}", body(&token));
    let b: Value = body(&token);
    assert_eq!(b["token_type"], "DPoP");
    let (_, claims) = claims_of(s.server(), b["access_token"].as_str().unwrap());
    assert_eq!(claims["cnf"]["jkt"], key.thumbprint());
}

#[test]
fn secrets_public_clients_plain_requests_and_bearer_tokens_are_refused() {
    let s = service();
    let query = authorize_query("web", "https://app.example/cb", "");
    let owned = request_pairs(&query);
    let pairs: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // A secret, even the right one.
    let r = post_to(&s, "/par", &pairs, Some(("web", "web-secret")), None);
    assert_eq!(
        (r.status().as_u16(), body(&r)["error"].clone()),
        (401, json!("invalid_client"))
    );
    // A public client.
    let spa = request_pairs(&authorize_query("spa", "http://127.0.0.1:8080/cb", ""));
    let spa: Vec<(&str, &str)> = spa.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        body(&post_to(&s, "/par", &spa, None, None))["error"],
        "invalid_client"
    );
    // A plain authorization request.
    let plain = get(
        &s,
        &format!(
            "/authorize?{}",
            authorize_query("fapi", "https://app.example/cb", "")
        ),
    );
    assert_eq!(plain.status(), 303);
    assert!(plain.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=invalid_request"));
    // A token request without a DPoP proof.
    let a = assertion(AS_ISSUER, "j-3");
    let no_proof = post_to(
        &s,
        "/token",
        &with_assertion(&[("grant_type", "client_credentials")], &a),
        None,
        None,
    );
    assert_eq!(body(&no_proof)["error"], "invalid_dpop_proof");
    // An assertion for the token endpoint rather than the issuer.
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let htu = url::Url::parse(&format!("{AS_ISSUER}/token")).unwrap();
    let proof = key
        .proof(&http::Method::POST, &htu, now(), &rng(), None, None)
        .unwrap();
    let endpoint_aud = assertion(&format!("{AS_ISSUER}/token"), "j-4");
    let r = post_to(
        &s,
        "/token",
        &with_assertion(&[("grant_type", "client_credentials")], &endpoint_aud),
        None,
        Some(&proof),
    );
    assert_eq!(body(&r)["error"], "invalid_client");
}
