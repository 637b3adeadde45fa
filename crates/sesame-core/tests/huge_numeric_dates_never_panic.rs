//! Found by fuzzing: a token or an introspection answer claiming `exp`
//! (or `iat`, `nbf`) of 2^63 seconds made `SystemTime` arithmetic panic.
//! Such dates are clamped to year 9999; nothing panics.
mod common;
use common::*;
use serde_json::json;
use sesame_core::idtoken::IdTokenValidator;
use sesame_core::jose::{Algorithm, JwkSet, SigningKey, VerifyingKey};
use sesame_core::resource::{BearerValidator, Introspector, TrustedIssuer};

const HUGE: u64 = 9_223_372_036_854_775_808; // 2^63

#[test]
fn an_id_token_with_a_huge_exp_is_judged_without_panic() {
    let key = SigningKey::hs256(b"secret-of-the-channel", "k");
    for claim in ["exp", "iat", "nbf"] {
        let mut c = id_claims("n-1");
        c.insert(claim.into(), json!(HUGE));
        let token = key.sign_claims(Some("JWT"), &c).unwrap();
        let keys = JwkSet::from_keys(vec![VerifyingKey::hmac(
            b"secret-of-the-channel",
            Some("k".into()),
        )]);
        let mut v = IdTokenValidator::new(ISSUER, CLIENT_ID).nonce("n-1");
        v.algorithms = vec![Algorithm::HS256];
        let _ = v.validate(&token, &keys, now(), None);
    }
}

#[test]
fn a_bearer_token_with_a_huge_exp_is_judged_without_panic() {
    let key = es256_key("k1");
    let t = unix(now());
    for claim in ["exp", "iat", "nbf"] {
        let mut c =
            json!({"iss": ISSUER, "sub": "u", "aud": "api", "exp": t + 60, "iat": t, "jti": "j"});
        c[claim] = json!(HUGE);
        let token = key
            .sign_claims(Some("at+jwt"), c.as_object().unwrap())
            .unwrap();
        let v = BearerValidator::new().issuer(TrustedIssuer::new(
            ISSUER,
            "https://op.example/jwks".parse().unwrap(),
            "api",
        ));
        let _ = v.validate(&token, &jwks_of(&[&key]), now());
    }
}

#[test]
fn an_introspection_answer_with_a_huge_exp_is_judged_without_panic() {
    let introspector = Introspector::new(
        "https://op.example/introspect".parse().unwrap(),
        "api",
        "secret",
    )
    .cache(std::time::Duration::from_secs(30), 8);
    let resp = json_response(200, json!({"active": true, "sub": "", "exp": HUGE}));
    let _ = introspector.on_response("opaque", &resp, now());
    let resp = json_response(
        200,
        json!({"active": true, "sub": "u", "exp": HUGE, "iat": HUGE}),
    );
    if let Ok(claims) = introspector.on_response("opaque-2", &resp, now()) {
        assert!(claims.expires_at > now());
        let _ = introspector.cached("opaque-2", now());
    }
}
