//! `private_key_jwt` at the authorization server (RFC 7523 §2.2, OpenID
//! Connect Core §9): a client registered with its public keys
//! authenticates with a signed assertion, used once; every rule of the
//! assertion has its refusal.
mod common;
use std::time::Duration;

use common::server::*;
use common::*;
use serde_json::{json, Value};
use sesame_core::jose::{JwkSet, SigningKey};
use sesame_server::{
    AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig, CLIENT_ASSERTION_TYPE,
};

fn client_key() -> SigningKey {
    es256_key("client-key-1")
}

fn config() -> ServerConfig {
    let jwks = JwkSet::parse(
        json!({"keys": [client_key().public_jwk().unwrap()]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::private_key_jwt(
            "pk",
            jwks,
            &["https://app.example/cb"],
        ))
        .client(RegisteredClient::new(
            "web",
            Some("web-secret"),
            &["https://app.example/cb"],
        ))
}

fn claims(overrides: Value) -> serde_json::Map<String, Value> {
    let t = unix(now());
    let mut c = json!({
        "iss": "pk", "sub": "pk", "aud": AS_ISSUER, "jti": "jti-1",
        "iat": t, "exp": t + 60,
    });
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c.as_object().cloned().unwrap()
}

fn assertion(key: &SigningKey, overrides: Value) -> String {
    key.sign_claims(None, &claims(overrides)).unwrap()
}

fn client_credentials(
    server: &AuthorizationServer,
    store: &MemoryStore,
    assertion: &str,
    extra: &[(&str, &str)],
) -> http::Response<Vec<u8>> {
    let mut pairs = vec![
        ("grant_type", "client_credentials"),
        ("client_assertion_type", CLIENT_ASSERTION_TYPE),
        ("client_assertion", assertion),
    ];
    pairs.extend_from_slice(extra);
    let req = token_request(form(&pairs), None);
    block_on(server.token(&req, store, now(), &rng()))
}

#[test]
fn a_signed_assertion_authenticates_the_client_and_works_once() {
    let server = AuthorizationServer::new(config(), es256_key("as"));
    let store = MemoryStore::default();
    let a = assertion(&client_key(), json!({}));
    let ok = client_credentials(&server, &store, &a, &[]);
    assert_eq!(ok.status(), 200, "{:?}", body(&ok));
    let (_, c) = claims_of(&server, body(&ok)["access_token"].as_str().unwrap());
    assert_eq!(c["client_id"], "pk");
    // The same assertion again: a replay.
    let again = client_credentials(&server, &store, &a, &[]);
    assert_eq!(again.status(), 401);
    assert_eq!(body(&again)["error"], "invalid_client");
    // A fresh jti works; so does naming the client in the form.
    let b = assertion(&client_key(), json!({"jti": "jti-2"}));
    let ok = client_credentials(&server, &store, &b, &[("client_id", "pk")]);
    assert_eq!(ok.status(), 200);
}

#[test]
fn the_code_flow_accepts_an_assertion() {
    let server = AuthorizationServer::new(config(), es256_key("as"));
    let store = MemoryStore::default();
    let code = code_for(
        &server,
        &store,
        "pk",
        "https://app.example/cb",
        no_claims(),
        now(),
    );
    let a = assertion(&client_key(), json!({}));
    let mut pairs = code_form(&code, "https://app.example/cb", VERIFIER).to_vec();
    pairs.push(("client_assertion_type", CLIENT_ASSERTION_TYPE));
    pairs.push(("client_assertion", &a));
    let resp = block_on(server.token(&token_request(form(&pairs), None), &store, now(), &rng()));
    assert_eq!(resp.status(), 200, "{:?}", body(&resp));
    assert!(body(&resp)["refresh_token"].is_string());
}

#[test]
fn each_rule_of_the_assertion_is_enforced() {
    let server = AuthorizationServer::new(config(), es256_key("as"));
    let t = unix(now());
    let other_key = es256_key("not-registered");
    let cases: Vec<(&str, String)> = vec![
        (
            "signed by a key that is not the client's",
            assertion(&other_key, json!({})),
        ),
        (
            "HS256 with a guessable secret",
            SigningKey::hs256(b"pk", "k")
                .sign_claims(None, &claims(json!({})))
                .unwrap(),
        ),
        (
            "iss differs from sub",
            assertion(&client_key(), json!({"iss": "web"})),
        ),
        (
            "sub of another client",
            assertion(&client_key(), json!({"iss": "web", "sub": "web"})),
        ),
        (
            "aud of another server",
            assertion(&client_key(), json!({"aud": "https://evil.example"})),
        ),
        (
            "aud as an array",
            assertion(&client_key(), json!({"aud": [AS_ISSUER]})),
        ),
        ("no exp", assertion(&client_key(), json!({"exp": null}))),
        ("expired", assertion(&client_key(), json!({"exp": t - 120}))),
        (
            "lives too long",
            assertion(&client_key(), json!({"exp": t + 3600})),
        ),
        (
            "issued in the future",
            assertion(&client_key(), json!({"iat": t + 600})),
        ),
        ("no jti", assertion(&client_key(), json!({"jti": null}))),
        ("not a JWT", "not-a-jwt".to_owned()),
        (
            "alg none",
            format!(
                "{}.{}.",
                sesame_core::base64url::encode(br#"{"alg":"none"}"#),
                sesame_core::base64url::encode(serde_json::to_vec(&claims(json!({}))).unwrap())
            ),
        ),
    ];
    for (what, a) in cases {
        let store = MemoryStore::default();
        let resp = client_credentials(&server, &store, &a, &[]);
        assert_eq!(resp.status(), 401, "{what}: {:?}", body(&resp));
        assert_eq!(body(&resp)["error"], "invalid_client", "{what}");
    }
    // The form names another client than the assertion.
    let store = MemoryStore::default();
    let a = assertion(&client_key(), json!({}));
    let resp = client_credentials(&server, &store, &a, &[("client_id", "web")]);
    assert_eq!(body(&resp)["error"], "invalid_client");
    // A wrong assertion type.
    let req = token_request(
        form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:example:other"),
            ("client_assertion", &a),
        ]),
        None,
    );
    let resp = block_on(server.token(&req, &store, now(), &rng()));
    assert_eq!(body(&resp)["error"], "invalid_client");
    // An assertion together with a secret: one method only.
    let resp = client_credentials(&server, &store, &a, &[("client_secret", "x")]);
    assert_eq!(
        (resp.status().as_u16(), body(&resp)["error"].clone()),
        (400, json!("invalid_request"))
    );
    // A private_key_jwt client cannot pass as a public one, nor use a secret.
    let req = token_request(
        form(&[("grant_type", "client_credentials"), ("client_id", "pk")]),
        None,
    );
    assert_eq!(
        body(&block_on(server.token(&req, &store, now(), &rng())))["error"],
        "invalid_client"
    );
    let req = token_request(
        form(&[("grant_type", "client_credentials")]),
        Some(("pk", "guess")),
    );
    assert_eq!(
        body(&block_on(server.token(&req, &store, now(), &rng())))["error"],
        "invalid_client"
    );
}

#[test]
fn the_endpoint_as_audience_is_accepted_unless_the_issuer_alone_is_required() {
    let lenient = AuthorizationServer::new(config(), es256_key("as"));
    let store = MemoryStore::default();
    let a = assertion(&client_key(), json!({"aud": format!("{AS_ISSUER}/token")}));
    assert_eq!(client_credentials(&lenient, &store, &a, &[]).status(), 200);
    // Another endpoint's URL is not this one.
    let b = assertion(
        &client_key(),
        json!({"aud": format!("{AS_ISSUER}/introspect"), "jti": "j-2"}),
    );
    assert_eq!(client_credentials(&lenient, &store, &b, &[]).status(), 401);

    let mut strict_config = config();
    strict_config.strict_assertion_audience = true;
    let strict = AuthorizationServer::new(strict_config, es256_key("as"));
    let c = assertion(
        &client_key(),
        json!({"aud": format!("{AS_ISSUER}/token"), "jti": "j-3"}),
    );
    assert_eq!(client_credentials(&strict, &store, &c, &[]).status(), 401);
    let d = assertion(&client_key(), json!({"jti": "j-4"}));
    assert_eq!(client_credentials(&strict, &store, &d, &[]).status(), 200);
}

#[test]
fn replays_are_refused_across_instances() {
    let store = MemoryStore::default();
    let a_server = AuthorizationServer::new(config(), es256_key("as"));
    let b_server = AuthorizationServer::new(config(), es256_key("as"));
    let a = assertion(&client_key(), json!({}));
    assert_eq!(client_credentials(&a_server, &store, &a, &[]).status(), 200);
    assert_eq!(client_credentials(&b_server, &store, &a, &[]).status(), 401);
    // The replay cache forgets a jti once its assertion could no longer be
    // accepted anyway.
    let req = token_request(
        form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", &a),
        ]),
        None,
    );
    let later = now() + Duration::from_secs(200);
    assert_eq!(
        block_on(a_server.token(&req, &store, later, &rng())).status(),
        401,
        "expired by then"
    );
}

#[test]
fn discovery_advertises_private_key_jwt() {
    let server = AuthorizationServer::new(config(), es256_key("as"));
    let m = server.metadata();
    for endpoint in ["token", "revocation", "introspection"] {
        let methods = m[format!("{endpoint}_endpoint_auth_methods_supported")]
            .as_array()
            .unwrap();
        assert!(methods.contains(&json!("private_key_jwt")), "{endpoint}");
        assert_eq!(
            m[format!("{endpoint}_endpoint_auth_signing_alg_values_supported")],
            json!(["ES256", "EdDSA", "RS256", "PS256"])
        );
    }
}
