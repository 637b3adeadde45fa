//! `private_key_jwt` key rotation on the client: the current key signs
//! every assertion (its `kid` in the header), and the client publishes
//! the public halves of all its keys — the next one before the switch,
//! the previous one after — as the JWK Set of its `jwks_uri`.
mod common;
use common::*;
use sesame_core::client::{AssertionKeys, ClientConfig};
use sesame_core::error::ConfigError;
use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::provider::Provider;

fn key(kid: &str) -> SigningKey {
    SigningKey::generate(Algorithm::ES256, kid).unwrap().0
}

fn assertion_of(client: sesame_core::client::Client) -> String {
    let s = start(client);
    let (_, first) = s.callback(&s.good_query()).unwrap();
    form_param(first.request.body(), "client_assertion").unwrap()
}

#[test]
fn the_current_key_signs_with_its_kid_and_every_key_is_published() {
    let (current, _) = SigningKey::generate(Algorithm::ES256, "app-key-2").unwrap();
    let (previous, pkcs8) = SigningKey::generate(Algorithm::ES256, "app-key-1").unwrap();
    let previous_copy = SigningKey::from_pkcs8(Algorithm::ES256, &pkcs8, "app-key-1").unwrap();
    let rsa = rs256_key("app-key-rsa");
    let config = ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
        .private_key_jwt_keys(AssertionKeys::new(current).publish(previous).publish(rsa));

    let jwks = config.public_jwks().unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(
        kids,
        ["app-key-2", "app-key-1", "app-key-rsa"],
        "current first"
    );
    for k in jwks["keys"].as_array().unwrap() {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            assert!(k.get(private).is_none(), "no private part {private}: {k}");
        }
        assert_eq!(k["use"], "sig");
    }
    assert!(!jwks.to_string().contains("\"d\""));
    // The published set parses as a key set, and is the one `key_set` gives.
    let published = sesame_core::jose::JwkSet::parse(jwks.to_string().as_bytes()).unwrap();
    assert_eq!(published.keys().len(), 3);
    assert_eq!(config.assertion_keys().unwrap().key_set().keys().len(), 3);

    let assertion = assertion_of(client_with(config));
    let verified = sesame_core::jose::verify(&assertion, &published, &[Algorithm::ES256]).unwrap();
    assert_eq!(verified.header.kid.as_deref(), Some("app-key-2"));
    // Not signed by the previous key.
    let previous_only = jwks_of(&[&previous_copy]);
    assert!(sesame_core::jose::verify(&assertion, &previous_only, &[Algorithm::ES256]).is_err());
}

#[test]
fn the_one_key_method_still_publishes_its_key() {
    let config =
        ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()).private_key_jwt(key("only-key"));
    let jwks = config.public_jwks().unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kid"], "only-key");
    // A client with a secret publishes nothing.
    let secret = ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()).secret("s");
    assert!(secret.public_jwks().is_none());
    assert!(secret.assertion_keys().is_none());
}

#[test]
fn unusable_key_sets_are_refused_at_client_new() {
    let provider = || Provider::openid("op", "Example OP", ISSUER).unwrap();
    let config =
        |keys| ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()).private_key_jwt_keys(keys);
    let duplicate = AssertionKeys::new(key("k")).publish(key("k"));
    assert_eq!(
        sesame_core::client::Client::new(provider(), config(duplicate)).err(),
        Some(ConfigError::AssertionKeys("two keys share a kid"))
    );
    let shared_secret = AssertionKeys::new(key("k")).publish(SigningKey::hs256(b"secret", "h"));
    assert_eq!(
        sesame_core::client::Client::new(provider(), config(shared_secret)).err(),
        Some(ConfigError::AssertionKeys("a key without a public half"))
    );
}

#[test]
fn debug_output_names_the_kids_only() {
    let keys = AssertionKeys::new(rs256_key("k-new")).publish(rs256_key("k-old"));
    let debug = format!("{keys:?}");
    assert!(
        debug.contains("k-new") && debug.contains("k-old"),
        "{debug}"
    );
    assert!(
        !debug.contains("\"d\"") && !debug.contains("BEGIN"),
        "{debug}"
    );
    let config = ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()).private_key_jwt_keys(keys);
    assert!(format!("{config:?}").contains("PrivateKey(k-new)"));
}
