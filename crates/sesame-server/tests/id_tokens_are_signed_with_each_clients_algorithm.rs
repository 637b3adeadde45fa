//! ID tokens default to RS256 (OpenID Connect Core §15.1), each client may
//! choose its own algorithm (Registration §2 `id_token_signed_response_alg`),
//! access tokens keep theirs, and every algorithm rotates on its own.
mod common;
use common::server::*;
use common::*;
use sesame_core::jose::{Algorithm, Header, SigningKey};
use sesame_server::{
    AuthorizationServer, KeyRingError, MemoryStore, RegisteredClient, ServerConfig,
};

fn config() -> ServerConfig {
    ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "web",
            Some("web-secret"),
            &["https://app.example/cb"],
        ))
        .client(
            RegisteredClient::new("es", Some("es-secret"), &["https://es.example/cb"])
                .id_token_signed_response_alg(Algorithm::ES256),
        )
        .client(
            RegisteredClient::new("ed", Some("ed-secret"), &["https://ed.example/cb"])
                .id_token_signed_response_alg(Algorithm::EdDSA),
        )
}

fn ed_key(kid: &str) -> SigningKey {
    SigningKey::generate(Algorithm::EdDSA, kid).unwrap().0
}

fn server() -> AuthorizationServer {
    AuthorizationServer::with_keys(
        config(),
        vec![rs256_key("rsa-1"), es256_key("ec-1"), ed_key("ed-1")],
    )
    .unwrap()
}

/// (id token header, access token header) for `client`.
fn headers_for(
    s: &AuthorizationServer,
    client: &str,
    secret: &str,
    redirect: &str,
) -> (Header, Header) {
    let store = MemoryStore::default();
    let code = code_for(s, &store, client, redirect, no_claims(), now());
    let resp = post_token(
        s,
        &store,
        &code_form(&code, redirect, VERIFIER),
        Some((client, secret)),
    );
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    let b = body(&resp);
    let id = Header::peek(b["id_token"].as_str().unwrap()).unwrap();
    let at = Header::peek(b["access_token"].as_str().unwrap()).unwrap();
    // Both verify against the published JWKS.
    claims_of(s, b["id_token"].as_str().unwrap());
    claims_of(s, b["access_token"].as_str().unwrap());
    (id, at)
}

#[test]
fn id_tokens_are_rs256_by_default_and_access_tokens_es256() {
    let (id, at) = headers_for(&server(), "web", "web-secret", "https://app.example/cb");
    assert_eq!(id.alg, Algorithm::RS256);
    assert_eq!(id.kid.as_deref(), Some("rsa-1"));
    assert_eq!(at.alg, Algorithm::ES256);
    assert_eq!(at.kid.as_deref(), Some("ec-1"));
}

#[test]
fn a_client_gets_the_algorithm_it_registered() {
    let s = server();
    let (id, _) = headers_for(&s, "es", "es-secret", "https://es.example/cb");
    assert_eq!(id.alg, Algorithm::ES256);
    let (id, _) = headers_for(&s, "ed", "ed-secret", "https://ed.example/cb");
    assert_eq!(id.alg, Algorithm::EdDSA);
}

#[test]
fn discovery_lists_exactly_the_signing_algorithms_and_the_jwks_every_key() {
    let s = server();
    assert_eq!(
        s.metadata()["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256", "EdDSA", "RS256"])
    );
    let kids: Vec<String> = s.jwks()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kids, ["rsa-1", "ec-1", "ed-1"]);
}

#[test]
fn a_key_set_without_a_needed_algorithm_is_refused() {
    assert_eq!(
        AuthorizationServer::with_keys(config(), vec![es256_key("ec-1"), ed_key("ed-1")]).err(),
        Some(KeyRingError::MissingAlgorithm(Algorithm::RS256))
    );
    assert_eq!(
        AuthorizationServer::with_keys(config(), vec![rs256_key("rsa-1"), ed_key("ed-1")]).err(),
        Some(KeyRingError::MissingAlgorithm(Algorithm::ES256))
    );
    assert_eq!(
        AuthorizationServer::with_keys(config(), Vec::new()).err(),
        Some(KeyRingError::Empty)
    );
}

#[test]
fn each_algorithm_rotates_on_its_own() {
    let s = server();
    s.publish_key(new_key("ec-2"));
    // Published, not yet signing.
    let (id, at) = headers_for(&s, "web", "web-secret", "https://app.example/cb");
    assert_eq!(
        (id.kid.as_deref(), at.kid.as_deref()),
        (Some("rsa-1"), Some("ec-1"))
    );
    assert!(s.activate_key("ec-2"));
    let (id, at) = headers_for(&s, "web", "web-secret", "https://app.example/cb");
    assert_eq!(id.kid.as_deref(), Some("rsa-1"), "the RSA key is untouched");
    assert_eq!(at.kid.as_deref(), Some("ec-2"));
    assert!(!s.retire_key("ec-2"), "the active key stays");
    assert!(!s.retire_key("rsa-1"), "the active RSA key stays too");
    assert!(s.retire_key("ec-1"));
}

#[test]
fn kids_are_never_reused() {
    let s = server();
    assert!(
        !s.publish_key(new_key("ec-1")),
        "a published kid can't be replaced"
    );
    assert_eq!(s.jwks()["keys"].as_array().unwrap().len(), 3);
    assert_eq!(
        AuthorizationServer::with_keys(config(), vec![rs256_key("k"), es256_key("k")]).err(),
        Some(KeyRingError::DuplicateKid("k".into()))
    );
    assert_eq!(
        AuthorizationServer::with_keys(
            config(),
            vec![
                rs256_key("rsa"),
                es256_key("ec"),
                SigningKey::hs256(b"shared", "h")
            ]
        )
        .err(),
        Some(KeyRingError::NotPublishable("h".into()))
    );
}

#[test]
fn a_one_key_server_signs_everything_with_it() {
    let s = AuthorizationServer::new(config(), es256_key("only"));
    let (id, at) = headers_for(&s, "web", "web-secret", "https://app.example/cb");
    assert_eq!((id.alg, at.alg), (Algorithm::ES256, Algorithm::ES256));
    assert_eq!(
        s.metadata()["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"])
    );
}

#[test]
fn generated_client_secrets_need_no_encoding() {
    for seed in 0..50 {
        let secret =
            RegisteredClient::generate_secret(&sesame_core::random::SeededRandom::new(seed))
                .unwrap();
        assert_eq!(secret.expose().len(), 43);
        assert!(secret
            .expose()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        let encoded: String =
            url::form_urlencoded::byte_serialize(secret.expose().as_bytes()).collect();
        assert_eq!(
            encoded,
            secret.expose(),
            "form-encoding leaves it unchanged"
        );
    }
}
