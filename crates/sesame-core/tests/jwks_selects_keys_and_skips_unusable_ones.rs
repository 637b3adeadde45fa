mod common;
use common::*;
use serde_json::json;
use sesame_core::jose::{verify, Algorithm, JoseError, JwkSet, SigningKey};

#[test]
fn unusable_keys_are_skipped_not_fatal() {
    let good = es256_key("good").public_jwk().unwrap();
    let doc = json!({"keys": [
        {"kty": "XYZ", "kid": "weird"},
        {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-521", "kid": "p521", "x": "AA", "y": "AA"},
        {"kty": "EC", "crv": "P-256", "kid": "short", "x": "AA", "y": "AA"},
        {"kty": "RSA", "kid": "tiny", "n": "AQAB", "e": "AQAB"},
        {"kty": "OKP", "crv": "X25519", "kid": "x", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty": "EC", "crv": "P-256", "kid": "verifyless", "key_ops": ["encrypt"], "x": good["x"], "y": good["y"]},
        "not even an object",
        good,
    ]});
    let set = JwkSet::parse(doc.to_string().as_bytes()).unwrap();
    assert_eq!(set.keys().len(), 1);
    assert_eq!(set.skipped(), 8);
    let token = sign(&es256_key("good"), &id_claims("n"));
    assert!(verify(&token, &set, &[Algorithm::ES256]).is_ok());
}

#[test]
fn a_document_that_is_not_a_jwks_is_an_error() {
    for doc in ["", "[]", "{}", r#"{"keys": {}}"#, "not json"] {
        assert_eq!(
            JwkSet::parse(doc.as_bytes()).unwrap_err(),
            JoseError::MalformedKey,
            "{doc}"
        );
    }
}

#[test]
fn unknown_kid_is_reported_as_such() {
    let token = sign(&es256_key("new-key"), &id_claims("n"));
    let keys = jwks_of(&[&es256_key("old-key")]);
    assert_eq!(
        verify(&token, &keys, &[Algorithm::ES256]).unwrap_err(),
        JoseError::UnknownKey
    );
}

#[test]
fn without_kid_a_single_key_of_the_right_family_is_used() {
    let key = es256_key("k");
    let token = key.sign_parts(br#"{"alg":"ES256"}"#, b"{}").unwrap();
    let rsa = rs256_key("r");
    let (other_ec, _) = SigningKey::generate(Algorithm::ES256, "other").unwrap();
    // Only one EC key: it is found among keys of other families.
    assert!(verify(&token, &jwks_of(&[&rsa, &key]), &[Algorithm::ES256]).is_ok());
    // Two EC keys: both are tried.
    assert!(verify(&token, &jwks_of(&[&other_ec, &key]), &[Algorithm::ES256]).is_ok());
    // No EC key at all.
    assert_eq!(
        verify(&token, &jwks_of(&[&rsa]), &[Algorithm::ES256]).unwrap_err(),
        JoseError::NoCompatibleKey
    );
}
