//! DPoP at the authorization server (RFC 9449): a proof at `/token` binds
//! the access token (`cnf.jkt`, `token_type: DPoP`) and a public client's
//! refresh token to its key; `dpop_jkt` binds the code; proofs are single
//! use across instances; nonces; `/userinfo` and `/introspect` with bound
//! tokens. Each refusal is checked exactly.
mod common;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::server::*;
use common::*;
use serde_json::Value;
use sesame_core::dpop::{NonceSource, ProofKey, DPOP_NONCE_HEADER};
use sesame_core::jose::Algorithm;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
    StaticUsers,
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
            RegisteredClient::new("bound", Some("bound-secret"), &["https://bound.example/cb"])
                .require_dpop(),
        )
}

fn key() -> ProofKey {
    ProofKey::generate(Algorithm::ES256).unwrap()
}

fn proof_for(key: &ProofKey, method: &str, path: &str, at: SystemTime) -> String {
    proof_with(key, method, path, at, None, None)
}

fn proof_with(
    key: &ProofKey,
    method: &str,
    path: &str,
    at: SystemTime,
    token: Option<&str>,
    nonce: Option<&str>,
) -> String {
    let htu = url::Url::parse(&format!("{AS_ISSUER}{path}")).unwrap();
    key.proof(&method.parse().unwrap(), &htu, at, &rng(), token, nonce)
        .unwrap()
}

fn token_with_proof(
    server: &AuthorizationServer,
    store: &MemoryStore,
    pairs: &[(&str, &str)],
    basic: Option<(&str, &str)>,
    proof: Option<&str>,
    at: SystemTime,
) -> http::Response<Vec<u8>> {
    let mut req = token_request(form(pairs), basic);
    if let Some(p) = proof {
        req.headers_mut().insert("dpop", p.parse().unwrap());
    }
    block_on(server.token(&req, store, at, &rng()))
}

fn error_of(resp: &http::Response<Vec<u8>>) -> (u16, String, String) {
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

fn spa_code(server: &AuthorizationServer, store: &MemoryStore, extra: &str) -> String {
    let req = server
        .authorize(&authorize_query("spa", "http://127.0.0.1:8080/cb", extra))
        .unwrap();
    let url = block_on(server.approve(&req, "user-42", Default::default(), store, now(), &rng()))
        .unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

fn spa_redeem(
    server: &AuthorizationServer,
    store: &MemoryStore,
    code: &str,
    proof: Option<&str>,
) -> http::Response<Vec<u8>> {
    token_with_proof(
        server,
        store,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", "http://127.0.0.1:8080/cb"),
            ("code_verifier", VERIFIER),
            ("client_id", "spa"),
        ],
        None,
        proof,
        now(),
    )
}

#[test]
fn a_proof_at_the_token_endpoint_binds_the_access_token() {
    let server = AuthorizationServer::new(config(), es256_key("k"));
    let store = MemoryStore::default();
    let key = key();
    let code = web_code(&server, &store);
    let resp = token_with_proof(
        &server,
        &store,
        &code_form(&code, "https://app.example/cb", VERIFIER),
        Some(("web", "web-secret")),
        Some(&proof_for(&key, "POST", "/token", now())),
        now(),
    );
    assert_eq!(resp.status(), 200, "{:?}", body(&resp));
    let b = body(&resp);
    assert_eq!(b["token_type"], "DPoP");
    let (_, claims) = claims_of(&server, b["access_token"].as_str().unwrap());
    assert_eq!(claims["cnf"]["jkt"], key.thumbprint());
    assert!(resp.headers().get(DPOP_NONCE_HEADER).is_none());

    // Without a proof: a plain bearer token, as before.
    let code = web_code(&server, &store);
    let plain = redeem(&server, &store, &code, now());
    assert_eq!(body(&plain)["token_type"], "Bearer");
    let (_, claims) = claims_of(&server, body(&plain)["access_token"].as_str().unwrap());
    assert!(claims.get("cnf").is_none());

    assert_eq!(
        server.metadata()["dpop_signing_alg_values_supported"],
        serde_json::json!(["ES256", "EdDSA", "RS256", "PS256"])
    );
}

#[test]
fn a_public_clients_refresh_token_is_bound_to_its_key() {
    let server = AuthorizationServer::new(config(), es256_key("k"));
    let store = MemoryStore::default();
    let key = key();
    let code = spa_code(&server, &store, "");
    let first = spa_redeem(
        &server,
        &store,
        &code,
        Some(&proof_for(&key, "POST", "/token", now())),
    );
    assert_eq!(first.status(), 200, "{:?}", body(&first));
    let refresh = body(&first)["refresh_token"].as_str().unwrap().to_owned();
    let refresh_form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", "spa"),
    ];

    // No proof, or another key's: refused, and the token is not used up.
    let none = token_with_proof(&server, &store, &refresh_form, None, None, now());
    assert_eq!(
        error_of(&none),
        (
            400,
            "invalid_grant".into(),
            "the refresh token is bound to another DPoP key".into()
        )
    );
    let other = self::key();
    let wrong = token_with_proof(
        &server,
        &store,
        &refresh_form,
        None,
        Some(&proof_for(&other, "POST", "/token", now())),
        now(),
    );
    assert_eq!(error_of(&wrong).1, "invalid_grant");
}

#[test]
fn the_same_key_refreshes_and_the_new_refresh_token_stays_bound() {
    let server = AuthorizationServer::new(config(), es256_key("k"));
    let store = MemoryStore::default();
    let key = key();
    let code = spa_code(&server, &store, "");
    let first = spa_redeem(
        &server,
        &store,
        &code,
        Some(&proof_for(&key, "POST", "/token", now())),
    );
    let refresh = body(&first)["refresh_token"].as_str().unwrap().to_owned();
    let ok = token_with_proof(
        &server,
        &store,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", "spa"),
        ],
        None,
        Some(&proof_for(&key, "POST", "/token", now())),
        now(),
    );
    assert_eq!(ok.status(), 200, "{:?}", body(&ok));
    assert_eq!(body(&ok)["token_type"], "DPoP");
    let next = body(&ok)["refresh_token"].as_str().unwrap().to_owned();
    let unbound = token_with_proof(
        &server,
        &store,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", next.as_str()),
            ("client_id", "spa"),
        ],
        None,
        None,
        now(),
    );
    assert_eq!(error_of(&unbound).1, "invalid_grant");
}

#[test]
fn a_confidential_clients_refresh_token_is_not_bound() {
    let server = AuthorizationServer::new(config(), es256_key("k"));
    let store = MemoryStore::default();
    let key = key();
    let code = web_code(&server, &store);
    let first = token_with_proof(
        &server,
        &store,
        &code_form(&code, "https://app.example/cb", VERIFIER),
        Some(("web", "web-secret")),
        Some(&proof_for(&key, "POST", "/token", now())),
        now(),
    );
    let refresh = body(&first)["refresh_token"].as_str().unwrap().to_owned();
    let plain = token_with_proof(
        &server,
        &store,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        Some(("web", "web-secret")),
        None,
        now(),
    );
    assert_eq!(plain.status(), 200, "{:?}", body(&plain));
    assert_eq!(body(&plain)["token_type"], "Bearer");
}

#[test]
fn dpop_jkt_binds_the_code_to_a_key() {
    let server = AuthorizationServer::new(config(), es256_key("k"));
    let store = MemoryStore::default();
    let key = key();
    let extra = format!("&dpop_jkt={}", key.thumbprint());
    for proof in [None, Some(proof_for(&self::key(), "POST", "/token", now()))] {
        // (A refused redemption still uses the code up: a new one each time.)
        let code = spa_code(&server, &store, &extra);
        let refused = spa_redeem(&server, &store, &code, proof.as_deref());
        assert_eq!(
            error_of(&refused),
            (
                400,
                "invalid_grant".into(),
                "the DPoP proof's key is not the code's dpop_jkt".into()
            )
        );
    }
    let code = spa_code(&server, &store, &extra);
    let ok = spa_redeem(
        &server,
        &store,
        &code,
        Some(&proof_for(&key, "POST", "/token", now())),
    );
    assert_eq!(ok.status(), 200, "{:?}", body(&ok));

    // A malformed dpop_jkt is an error for the client.
    let err = server
        .authorize(&authorize_query(
            "spa",
            "http://127.0.0.1:8080/cb",
            "&dpop_jkt=short",
        ))
        .unwrap_err();
    match err {
        sesame_server::AuthorizeError::Redirect(u) => {
            let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
            assert_eq!(q["error"], "invalid_request");
            assert_eq!(q["error_description"], "dpop_jkt is not a key thumbprint");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn proofs_are_refused_rule_by_rule_at_the_token_endpoint() {
    let server = AuthorizationServer::new(config(), es256_key("k"));
    let store = MemoryStore::default();
    let key = key();
    let attempt = |proof: &str| {
        let code = web_code(&server, &store);
        token_with_proof(
            &server,
            &store,
            &code_form(&code, "https://app.example/cb", VERIFIER),
            Some(("web", "web-secret")),
            Some(proof),
            now(),
        )
    };
    let cases = [
        (
            proof_for(&key, "GET", "/token", now()),
            "the proof's htm does not match",
        ),
        (
            proof_for(&key, "POST", "/par", now()),
            "the proof's htu does not match",
        ),
        (
            proof_for(&key, "POST", "/token", now() - Duration::from_secs(300)),
            "the proof is too old",
        ),
        (
            proof_for(&key, "POST", "/token", now() + Duration::from_secs(300)),
            "the proof is issued in the future",
        ),
        ("not-a-jwt".to_owned(), "the DPoP proof is malformed"),
    ];
    for (proof, description) in cases {
        assert_eq!(
            error_of(&attempt(&proof)),
            (400, "invalid_dpop_proof".into(), description.into()),
            "{description}"
        );
    }
    // A proof is good once.
    let proof = proof_for(&key, "POST", "/token", now());
    assert_eq!(attempt(&proof).status(), 200);
    assert_eq!(
        error_of(&attempt(&proof)),
        (
            400,
            "invalid_dpop_proof".into(),
            "the DPoP proof was already used".into()
        )
    );
    // Two DPoP headers.
    let code = web_code(&server, &store);
    let mut req = token_request(
        form(&code_form(&code, "https://app.example/cb", VERIFIER)),
        Some(("web", "web-secret")),
    );
    let p1 = proof_for(&key, "POST", "/token", now());
    let p2 = proof_for(&key, "POST", "/token", now());
    req.headers_mut().append("dpop", p1.parse().unwrap());
    req.headers_mut().append("dpop", p2.parse().unwrap());
    let two = block_on(server.token(&req, &store, now(), &rng()));
    assert_eq!(
        error_of(&two),
        (
            400,
            "invalid_dpop_proof".into(),
            "send exactly one DPoP proof".into()
        )
    );
}

#[test]
fn a_replayed_proof_is_refused_by_another_instance() {
    let store = MemoryStore::default();
    let a = AuthorizationServer::new(config(), es256_key("k"));
    let b = AuthorizationServer::new(config(), es256_key("k"));
    let key = key();
    let proof = proof_for(&key, "POST", "/token", now());
    let code = web_code(&a, &store);
    let first = token_with_proof(
        &a,
        &store,
        &code_form(&code, "https://app.example/cb", VERIFIER),
        Some(("web", "web-secret")),
        Some(&proof),
        now(),
    );
    assert_eq!(first.status(), 200);
    let code = web_code(&b, &store);
    let replay = token_with_proof(
        &b,
        &store,
        &code_form(&code, "https://app.example/cb", VERIFIER),
        Some(("web", "web-secret")),
        Some(&proof),
        now(),
    );
    assert_eq!(error_of(&replay).2, "the DPoP proof was already used");
}

#[test]
fn dpop_can_be_required_per_client_or_for_all() {
    let server = AuthorizationServer::new(config(), es256_key("k"));
    let store = MemoryStore::default();
    let code = code_for(
        &server,
        &store,
        "bound",
        "https://bound.example/cb",
        no_claims(),
        now(),
    );
    let form_ = code_form(&code, "https://bound.example/cb", VERIFIER);
    let missing = token_with_proof(
        &server,
        &store,
        &form_,
        Some(("bound", "bound-secret")),
        None,
        now(),
    );
    assert_eq!(
        error_of(&missing),
        (
            400,
            "invalid_dpop_proof".into(),
            "a DPoP proof is required".into()
        )
    );
    // Everyone, when the server says so.
    let strict = AuthorizationServer::new(config().require_dpop(), es256_key("k"));
    let code = web_code(&strict, &store);
    assert_eq!(
        error_of(&redeem(&strict, &store, &code, now())).1,
        "invalid_dpop_proof"
    );
}

#[test]
fn server_nonces_are_required_and_shared_by_instances() {
    let secret = [7u8; 32];
    let nonces = || NonceSource::new(&secret, Duration::from_secs(300)).unwrap();
    let a = AuthorizationServer::new(config().dpop_nonces(nonces()), es256_key("k"));
    let b = AuthorizationServer::new(config().dpop_nonces(nonces()), es256_key("k"));
    let store = MemoryStore::default();
    let key = key();
    let code = web_code(&a, &store);
    let pairs = code_form(&code, "https://app.example/cb", VERIFIER);
    let web = Some(("web", "web-secret"));
    let first = token_with_proof(
        &a,
        &store,
        &pairs,
        web,
        Some(&proof_for(&key, "POST", "/token", now())),
        now(),
    );
    assert_eq!(
        error_of(&first),
        (
            400,
            "use_dpop_nonce".into(),
            "a DPoP nonce is required".into()
        )
    );
    let nonce = first.headers()[DPOP_NONCE_HEADER]
        .to_str()
        .unwrap()
        .to_owned();
    // The nonce from one instance works at the other; the code was not used.
    let proof = proof_with(&key, "POST", "/token", now(), None, Some(&nonce));
    let ok = token_with_proof(&b, &store, &pairs, web, Some(&proof), now());
    assert_eq!(ok.status(), 200, "{:?}", body(&ok));
    assert_eq!(body(&ok)["token_type"], "DPoP");
    assert!(ok.headers().get(DPOP_NONCE_HEADER).is_some());
    // A made-up nonce is refused with a fresh one to use.
    let code = web_code(&a, &store);
    let forged = proof_with(&key, "POST", "/token", now(), None, Some("made-up"));
    let refused = token_with_proof(
        &a,
        &store,
        &code_form(&code, "https://app.example/cb", VERIFIER),
        web,
        Some(&forged),
        now(),
    );
    assert_eq!(error_of(&refused).1, "use_dpop_nonce");
    assert_eq!(refused.headers()[DPOP_NONCE_HEADER], nonce.as_str());
}

fn service(store: Arc<MemoryStore>) -> AuthServerService {
    AuthServerService::new(
        Arc::new(AuthorizationServer::new(config(), es256_key("k"))),
        store,
        Arc::new(StaticUsers::default()),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    )
}

fn userinfo(
    s: &AuthServerService,
    authorization: &str,
    proof: Option<&str>,
) -> http::Response<Vec<u8>> {
    let mut req = http::Request::get("/userinfo")
        .header("authorization", authorization)
        .body(Vec::new())
        .unwrap();
    if let Some(p) = proof {
        req.headers_mut().insert("dpop", p.parse().unwrap());
    }
    block_on(s.handle(req, now(), &rng()))
}

fn challenges(resp: &http::Response<Vec<u8>>) -> Vec<String> {
    resp.headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[test]
fn userinfo_takes_a_bound_token_only_with_its_proof() {
    let store = Arc::new(MemoryStore::default());
    let s = service(store.clone());
    let key = key();
    let code = web_code(s.server(), &store);
    let resp = token_with_proof(
        s.server(),
        &store,
        &code_form(&code, "https://app.example/cb", VERIFIER),
        Some(("web", "web-secret")),
        Some(&proof_for(&key, "POST", "/token", now())),
        now(),
    );
    let token = body(&resp)["access_token"].as_str().unwrap().to_owned();

    let proof = proof_with(&key, "GET", "/userinfo", now(), Some(&token), None);
    let ok = userinfo(&s, &format!("DPoP {token}"), Some(&proof));
    assert_eq!(ok.status(), 200, "{:?}", body(&ok));
    assert_eq!(body(&ok)["sub"], "user-42");

    // As a bearer token: refused, with the DPoP challenge.
    let bearer = userinfo(&s, &format!("Bearer {token}"), None);
    assert_eq!(bearer.status(), 401);
    assert_eq!(body(&bearer)["error"], "invalid_token");
    assert!(
        challenges(&bearer)
            .iter()
            .any(|c| c.starts_with("DPoP ") && c.contains("algs=")),
        "{:?}",
        challenges(&bearer)
    );
    // The DPoP scheme without a proof, with a proof of another key, with a
    // proof whose ath is another token's, or a replayed proof.
    let cases: [(Option<String>, &str); 4] = [
        (None, "invalid_dpop_proof"),
        (
            Some(proof_with(
                &self::key(),
                "GET",
                "/userinfo",
                now(),
                Some(&token),
                None,
            )),
            "invalid_token",
        ),
        (
            Some(proof_with(
                &key,
                "GET",
                "/userinfo",
                now(),
                Some("other"),
                None,
            )),
            "invalid_dpop_proof",
        ),
        (Some(proof), "invalid_dpop_proof"),
    ];
    for (proof, error) in cases {
        let r = userinfo(&s, &format!("DPoP {token}"), proof.as_deref());
        assert_eq!(r.status(), 401);
        assert_eq!(body(&r)["error"], error);
    }

    // An unbound token with the DPoP scheme is refused too.
    let code = web_code(s.server(), &store);
    let plain = redeem(s.server(), &store, &code, now());
    let unbound = body(&plain)["access_token"].as_str().unwrap().to_owned();
    let proof = proof_with(&key, "GET", "/userinfo", now(), Some(&unbound), None);
    let r = userinfo(&s, &format!("DPoP {unbound}"), Some(&proof));
    assert_eq!(body(&r)["error"], "invalid_token");
    assert_eq!(
        userinfo(&s, &format!("Bearer {unbound}"), None).status(),
        200
    );
}

#[test]
fn introspection_reports_the_binding() {
    let store = Arc::new(MemoryStore::default());
    let s = service(store.clone());
    let key = key();
    let code = web_code(s.server(), &store);
    let resp = token_with_proof(
        s.server(),
        &store,
        &code_form(&code, "https://app.example/cb", VERIFIER),
        Some(("web", "web-secret")),
        Some(&proof_for(&key, "POST", "/token", now())),
        now(),
    );
    let token = body(&resp)["access_token"].as_str().unwrap().to_owned();
    let mut req = token_request(form(&[("token", &token)]), Some(("web", "web-secret")));
    *req.uri_mut() = "/introspect".parse().unwrap();
    let answer = block_on(s.handle(req, now(), &rng()));
    let b: Value = body(&answer);
    assert_eq!(b["active"], true);
    assert_eq!(b["token_type"], "DPoP");
    assert_eq!(b["cnf"]["jkt"], key.thumbprint());
}
