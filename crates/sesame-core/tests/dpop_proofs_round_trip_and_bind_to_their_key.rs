//! DPoP (RFC 9449): a client's proofs pass the server's check, name the
//! client's key by its RFC 7638 thumbprint, and tokens bound to that key
//! are confirmed for it and for no other.
mod common;
use common::*;
use serde_json::{json, Map, Value};
use sesame_core::dpop::{
    ath, cnf_claim, confirm, is_bound, thumbprint, BindingError, ProofKey, ProofPolicy,
};
use sesame_core::jose::{Algorithm, SigningKey};

fn uri(s: &str) -> url::Url {
    s.parse().unwrap()
}

fn round_trip(alg: Algorithm) {
    let key = ProofKey::generate(alg).unwrap();
    assert_eq!(key.algorithm(), alg);
    let get = http::Method::GET;
    let at = uri("https://api.example.com/orders/7?expand=items#top");
    let proof = key
        .proof(&get, &at, now(), &rng(), Some("token-1"), None)
        .unwrap();

    let checked = ProofPolicy::default()
        .check(&proof, &get, &at, now(), Some("token-1"), |_| false)
        .unwrap();
    assert_eq!(checked.jkt(), key.thumbprint());
    assert_eq!(checked.iat(), unix(now()));
    assert_eq!(checked.algorithm(), alg);
    assert_eq!(checked.jti().len(), 22, "128 random bits");
    assert_eq!(checked.replay_ttl(), secs(66));
    assert_eq!(checked.nonce(), None);

    // The claims are RFC 9449 §4.2's: htu without query and fragment.
    let claims = sesame_core::jose::unverified_claims(&proof).unwrap();
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], "https://api.example.com/orders/7");
    assert_eq!(claims["ath"], ath("token-1"));
    assert!(claims.get("nonce").is_none());
}

#[test]
fn es256_proofs_round_trip() {
    round_trip(Algorithm::ES256);
}

#[test]
fn eddsa_proofs_round_trip() {
    round_trip(Algorithm::EdDSA);
}

#[test]
fn the_header_carries_type_algorithm_and_only_the_public_key() {
    let key = ProofKey::generate(ProofKey::DEFAULT_ALGORITHM).unwrap();
    let proof = key
        .proof(
            &http::Method::POST,
            &uri("https://as.example.com/token"),
            now(),
            &rng(),
            None,
            Some("n-1"),
        )
        .unwrap();
    let header_b64 = proof.split('.').next().unwrap();
    let header: Value =
        serde_json::from_slice(&sesame_core::base64url::decode(header_b64).unwrap()).unwrap();
    assert_eq!(header["typ"], "dpop+jwt");
    assert_eq!(header["alg"], "ES256");
    let jwk = header["jwk"].as_object().unwrap();
    let mut members: Vec<&str> = jwk.keys().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(members, ["crv", "kty", "x", "y"]);
    assert_eq!(&header["jwk"], key.public_jwk());
    let claims = sesame_core::jose::unverified_claims(&proof).unwrap();
    assert_eq!(claims["nonce"], "n-1");
    assert!(claims.get("ath").is_none(), "no token, no ath");
}

#[test]
fn every_proof_has_a_fresh_jti() {
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let at = uri("https://api.example.com/");
    let r = rng();
    let policy = ProofPolicy::default();
    let check = |p: &str| {
        policy
            .check(p, &http::Method::GET, &at, now(), None, |_| false)
            .unwrap()
    };
    let a = check(
        &key.proof(&http::Method::GET, &at, now(), &r, None, None)
            .unwrap(),
    );
    let b = check(
        &key.proof(&http::Method::GET, &at, now(), &r, None, None)
            .unwrap(),
    );
    assert_ne!(a.jti(), b.jti());
    assert_ne!(a.replay_key(), b.replay_key());
    assert_eq!(a.jkt(), b.jkt());
}

#[test]
fn thumbprints_are_stable_and_ignore_optional_members() {
    let (signing, pkcs8) = ProofKey::generate_pkcs8(Algorithm::EdDSA).unwrap();
    let reloaded = ProofKey::from_pkcs8(Algorithm::EdDSA, pkcs8.expose()).unwrap();
    assert_eq!(signing.thumbprint(), reloaded.thumbprint());
    assert_eq!(
        thumbprint(signing.public_jwk()).unwrap(),
        signing.thumbprint()
    );

    let mut decorated = signing.public_jwk().clone();
    decorated["kid"] = json!("k-1");
    decorated["alg"] = json!("EdDSA");
    decorated["use"] = json!("sig");
    assert_eq!(thumbprint(&decorated).unwrap(), signing.thumbprint());

    let other = ProofKey::generate(Algorithm::EdDSA).unwrap();
    assert_ne!(other.thumbprint(), signing.thumbprint());
    assert_eq!(signing.thumbprint().len(), 43);
}

#[test]
fn a_jose_signing_key_becomes_a_proof_key_with_the_same_thumbprint() {
    let jose = es256_key("op-key");
    let expected = thumbprint(&jose.public_jwk().unwrap()).unwrap();
    let key = ProofKey::from_signing_key(jose).unwrap();
    assert_eq!(key.thumbprint(), expected);
    assert!(ProofKey::from_signing_key(SigningKey::hs256(&[1; 32], "h")).is_err());
    assert!(ProofKey::generate(Algorithm::HS256).is_err());
}

#[test]
fn rsa_keys_sign_rs256_proofs() {
    let key = ProofKey::from_signing_key(rs256_key("rsa")).unwrap();
    let at = uri("https://api.example.com/x");
    let proof = key
        .proof(&http::Method::PUT, &at, now(), &rng(), None, None)
        .unwrap();
    let checked = ProofPolicy::default()
        .check(&proof, &http::Method::PUT, &at, now(), None, |_| false)
        .unwrap();
    assert_eq!(checked.jkt(), key.thumbprint());
}

#[test]
fn rfc7638_example_thumbprint() {
    let jwk = json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    });
    assert_eq!(
        thumbprint(&jwk).unwrap(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
    assert!(thumbprint(&json!({"kty": "oct", "k": "AAAA"})).is_err());
    assert!(thumbprint(&json!({"kty": "EC", "crv": "P-256", "x": "AA"})).is_err());
}

fn claims_with_cnf(cnf: Value) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!("alice"));
    claims.insert("cnf".into(), cnf);
    claims
}

#[test]
fn a_bound_token_is_confirmed_for_its_key_only() {
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let other = ProofKey::generate(Algorithm::ES256).unwrap();
    let claims = claims_with_cnf(cnf_claim(key.thumbprint()));
    assert_eq!(claims["cnf"], json!({"jkt": key.thumbprint()}));
    assert!(is_bound(&claims));

    let at = uri("https://api.example.com/me");
    let check = |k: &ProofKey| {
        let proof = k
            .proof(&http::Method::GET, &at, now(), &rng(), Some("t"), None)
            .unwrap();
        ProofPolicy::default()
            .check(&proof, &http::Method::GET, &at, now(), Some("t"), |_| false)
            .unwrap()
    };
    assert_eq!(confirm(&claims, check(&key).jkt()), Ok(()));
    assert_eq!(
        confirm(&claims, check(&other).jkt()),
        Err(BindingError::KeyMismatch)
    );
}

#[test]
fn unbound_and_malformed_bindings_are_told_apart() {
    let plain = claims_with_cnf(json!({"x5t#S256": "abc"}));
    assert!(!is_bound(&plain));
    assert_eq!(confirm(&plain, "abc"), Err(BindingError::NotBound));
    let mut none = plain.clone();
    none.remove("cnf");
    assert!(!is_bound(&none));
    assert_eq!(confirm(&none, "abc"), Err(BindingError::NotBound));
    assert_eq!(
        confirm(&claims_with_cnf(json!("abc")), "abc"),
        Err(BindingError::Malformed)
    );
    assert_eq!(
        confirm(&claims_with_cnf(json!({"jkt": 1})), "abc"),
        Err(BindingError::Malformed)
    );
}

#[test]
fn proof_keys_never_show_their_private_half() {
    let (key, pkcs8) = ProofKey::generate_pkcs8(Algorithm::ES256).unwrap();
    let shown = format!("{key:?}");
    assert!(shown.contains(key.thumbprint()), "{shown}");
    assert!(!shown.contains("d:"), "{shown}");
    assert_eq!(format!("{pkcs8:?}"), "Pkcs8Document([redacted])");
}
