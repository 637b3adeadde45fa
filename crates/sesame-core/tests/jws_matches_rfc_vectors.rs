mod common;
use common::*;
use serde_json::json;
use sesame_core::jose::{verify, Algorithm, JwkSet, SigningKey, VerifyingKey};

fn public(jwk: &serde_json::Value) -> JwkSet {
    let mut p = jwk.clone();
    for k in ["d", "p", "q", "dp", "dq", "qi"] {
        p.as_object_mut().unwrap().remove(k);
    }
    JwkSet::from_keys(vec![VerifyingKey::from_jwk(&p).unwrap()])
}

#[test]
fn rfc7515_a2_rs256_verifies_and_signing_reproduces_it() {
    let v = vectors();
    let compact = v["a2_rs256"]["compact"].as_str().unwrap();
    let verified = verify(compact, &public(&v["a2_rs256"]["jwk"]), &[Algorithm::RS256]).unwrap();
    assert_eq!(verified.claims().unwrap()["iss"], "joe");

    // RS256 is deterministic: our signer produces the exact RFC signature.
    let key = rs256_key("ignored");
    let (h, rest) = compact.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let sig = key.sign_bytes(format!("{h}.{p}").as_bytes()).unwrap();
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig),
        s
    );
}

#[test]
fn rfc7515_a3_es256_verifies() {
    let v = vectors();
    let compact = v["a3_es256"]["compact"].as_str().unwrap();
    let verified = verify(compact, &public(&v["a3_es256"]["jwk"]), &[Algorithm::ES256]).unwrap();
    assert_eq!(verified.header.alg, Algorithm::ES256);
    assert_eq!(verified.claims().unwrap()["exp"], 1300819380);
}

#[test]
fn rfc8037_a4_ed25519_signature_is_reproduced() {
    let jwk = json!({"kty": "OKP", "crv": "Ed25519",
        "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
    let expected = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    let key = SigningKey::from_jwk(&jwk, "k").unwrap();
    let token = key
        .sign_parts(br#"{"alg":"EdDSA"}"#, b"Example of Ed25519 signing")
        .unwrap();
    assert_eq!(token, expected);
    let verified = verify(expected, &public(&jwk), &[Algorithm::EdDSA]).unwrap();
    assert_eq!(verified.payload, b"Example of Ed25519 signing");
}

#[test]
fn every_signing_algorithm_round_trips() {
    let (es, _) = SigningKey::generate(Algorithm::ES256, "es").unwrap();
    let (ed, _) = SigningKey::generate(Algorithm::EdDSA, "ed").unwrap();
    let rs = rs256_key("rs");
    let hs = SigningKey::hs256(b"0123456789abcdef0123456789abcdef", "hs");
    let claims = json!({"sub": "x"}).as_object().unwrap().clone();
    for key in [&es, &ed, &rs, &hs] {
        let token = key.sign_claims(Some("JWT"), &claims).unwrap();
        let set = JwkSet::from_keys(vec![key.verifying_key().unwrap()]);
        let v = verify(&token, &set, &[key.algorithm()]).unwrap();
        assert_eq!(v.header.kid.as_deref(), Some(key.kid()));
    }
}
