//! alg none, algorithm confusion, bit flips, disallowed algorithms, crit.
mod common;
use common::*;
use serde_json::json;
use sesame_core::jose::{verify, Algorithm, JoseError, JwkSet, SigningKey};

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[test]
fn alg_none_is_refused_even_if_allowed_lists_everything() {
    let keys = jwks_of(&[&es256_key("k1")]);
    for alg in ["none", "None", "NONE"] {
        let token = format!(
            "{}.{}.",
            b64(format!(r#"{{"alg":"{alg}"}}"#).as_bytes()),
            b64(b"{}")
        );
        assert_eq!(
            verify(&token, &keys, Algorithm::ASYMMETRIC).unwrap_err(),
            JoseError::AlgNone
        );
    }
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_refused() {
    // The classic algorithm-confusion attack: HMAC keyed with the public key bytes.
    let rsa = rs256_key("k1");
    let keys = jwks_of(&[&rsa]);
    let public_bytes = rsa.public_jwk().unwrap().to_string();
    let forged = SigningKey::hs256(public_bytes.as_bytes(), "k1")
        .sign_claims(None, json!({"sub": "admin"}).as_object().unwrap())
        .unwrap();
    // Not on the allow-list for external tokens…
    assert_eq!(
        verify(&forged, &keys, Algorithm::ASYMMETRIC).unwrap_err(),
        JoseError::AlgorithmNotAllowed
    );
    // …and even if a careless caller allowed HS256, an RSA key never does HMAC.
    let mut all = Algorithm::ASYMMETRIC.to_vec();
    all.push(Algorithm::HS256);
    assert_eq!(
        verify(&forged, &keys, &all).unwrap_err(),
        JoseError::NoCompatibleKey
    );
}

#[test]
fn a_symmetric_key_in_a_fetched_jwks_is_skipped() {
    let doc = json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "k1"}]});
    let set = JwkSet::parse(doc.to_string().as_bytes()).unwrap();
    assert!(set.keys().is_empty());
    assert_eq!(set.skipped(), 1);
}

#[test]
fn any_flipped_bit_in_the_signature_fails() {
    let key = es256_key("k1");
    let keys = jwks_of(&[&key]);
    let token = sign(&key, &id_claims("n"));
    let (head, sig) = token.rsplit_once('.').unwrap();
    let mut raw = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sig)
            .unwrap()
    };
    for i in [0, 10, 31, 32, 63] {
        raw[i] ^= 1;
        let t = format!("{head}.{}", b64(&raw));
        assert_eq!(
            verify(&t, &keys, &[Algorithm::ES256]).unwrap_err(),
            JoseError::BadSignature
        );
        raw[i] ^= 1;
    }
}

#[test]
fn a_changed_payload_fails() {
    let key = rs256_key("k1");
    let keys = jwks_of(&[&key]);
    let token = sign(&key, &id_claims("n"));
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = id_claims("n");
    claims.insert("sub".into(), json!("admin"));
    let t = format!(
        "{}.{}.{}",
        parts[0],
        b64(serde_json::to_string(&claims).unwrap().as_bytes()),
        parts[2]
    );
    assert_eq!(
        verify(&t, &keys, &[Algorithm::RS256]).unwrap_err(),
        JoseError::BadSignature
    );
}

#[test]
fn algorithms_off_the_allow_list_are_refused() {
    let key = rs256_key("k1");
    let token = sign(&key, &id_claims("n"));
    assert_eq!(
        verify(&token, &jwks_of(&[&key]), &[Algorithm::ES256]).unwrap_err(),
        JoseError::AlgorithmNotAllowed
    );
}

#[test]
fn crit_headers_are_refused() {
    let key = es256_key("k1");
    let token = key
        .sign_parts(
            br#"{"alg":"ES256","kid":"k1","crit":["exp"],"exp":1}"#,
            b"{}",
        )
        .unwrap();
    assert_eq!(
        verify(&token, &jwks_of(&[&key]), &[Algorithm::ES256]).unwrap_err(),
        JoseError::UnsupportedCritical
    );
}

#[test]
fn malformed_tokens_are_errors() {
    let keys = jwks_of(&[&es256_key("k1")]);
    for t in [
        "",
        ".",
        "..",
        "a.b",
        "a.b.c.d",
        "!!.e30.x",
        "e30.e30.x",
        &"a".repeat(70_000),
    ] {
        assert!(verify(t, &keys, Algorithm::ASYMMETRIC).is_err(), "{t:.20}");
    }
}

#[test]
fn a_key_pinned_to_another_algorithm_is_not_used() {
    let key = rs256_key("k1");
    let mut jwk = key.public_jwk().unwrap();
    jwk["alg"] = json!("PS256");
    let set = JwkSet::parse(json!({"keys": [jwk]}).to_string().as_bytes()).unwrap();
    let token = sign(&key, &id_claims("n"));
    assert_eq!(
        verify(&token, &set, &[Algorithm::RS256]).unwrap_err(),
        JoseError::NoCompatibleKey
    );
}
