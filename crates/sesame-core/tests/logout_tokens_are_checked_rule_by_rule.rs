//! Back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0
//! §2.6): every rule with its exact refusal, and the replay check.
mod common;
use common::*;
use serde_json::{json, Map, Value};
use sesame_core::jose::{JoseError, SigningKey};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::session::{
    logout_token_from_form, LogoutTokenError, LogoutTokenValidator, MemorySessionStore,
    SessionConfig, Sessions, BACKCHANNEL_LOGOUT_EVENT,
};

fn claims() -> Map<String, Value> {
    let t = unix(now());
    json!({
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "iat": t,
        "exp": t + 120,
        "jti": "jti-1",
        "sub": "alice",
        "sid": "sid-1",
        "events": event(json!({})),
    })
    .as_object()
    .unwrap()
    .clone()
}

fn event(v: Value) -> Value {
    let mut m = Map::new();
    m.insert(BACKCHANNEL_LOGOUT_EVENT.into(), v);
    Value::Object(m)
}

fn with(f: impl FnOnce(&mut Map<String, Value>)) -> Map<String, Value> {
    let mut c = claims();
    f(&mut c);
    c
}

fn check_signed(
    key: &SigningKey,
    typ: Option<&str>,
    c: &Map<String, Value>,
) -> Result<(), LogoutTokenError> {
    let token = key.sign_claims(typ, c).unwrap();
    let keys = jwks_of(&[&rs256_key("k1")]);
    LogoutTokenValidator::new(ISSUER, CLIENT_ID)
        .validate(&token, &keys, now())
        .map(|_| ())
}

fn check(c: &Map<String, Value>) -> Result<(), LogoutTokenError> {
    check_signed(&rs256_key("k1"), Some("logout+jwt"), c)
}

#[test]
fn a_valid_token_yields_its_sub_sid_and_jti() {
    let token = rs256_key("k1")
        .sign_claims(Some("logout+jwt"), &claims())
        .unwrap();
    let t = LogoutTokenValidator::new(ISSUER, CLIENT_ID)
        .validate(&token, &jwks_of(&[&rs256_key("k1")]), now())
        .unwrap();
    assert_eq!(t.subject.as_deref(), Some("alice"));
    assert_eq!(t.session_id.as_deref(), Some("sid-1"));
    assert_eq!(t.jti, "jti-1");
    // typ is optional, and "JWT" is accepted.
    assert_eq!(check_signed(&rs256_key("k1"), None, &claims()), Ok(()));
    assert_eq!(
        check_signed(&rs256_key("k1"), Some("JWT"), &claims()),
        Ok(())
    );
    // ES256 too, and an audience array.
    let es = es256_key("e1");
    let token = es
        .sign_claims(
            Some("logout+jwt"),
            &with(|c| {
                c.insert("aud".into(), json!(["other", CLIENT_ID]));
            }),
        )
        .unwrap();
    assert!(LogoutTokenValidator::new(ISSUER, CLIENT_ID)
        .validate(&token, &jwks_of(&[&es]), now())
        .is_ok());
}

#[test]
fn signature_algorithm_and_type_are_enforced() {
    // Signed by a key the provider does not publish.
    assert_eq!(
        check_signed(&rs256_key("k2"), Some("logout+jwt"), &claims()),
        Err(LogoutTokenError::Jose(JoseError::UnknownKey))
    );
    // HMAC with the client id as secret, and alg none: never.
    let hs = SigningKey::hs256(CLIENT_ID.as_bytes(), "k1");
    assert!(matches!(
        check_signed(&hs, Some("logout+jwt"), &claims()),
        Err(LogoutTokenError::Jose(_))
    ));
    let none = format!(
        "{}.{}.",
        sesame_core::base64url::encode(br#"{"alg":"none"}"#),
        sesame_core::base64url::encode(serde_json::to_vec(&claims()).unwrap())
    );
    assert!(matches!(
        LogoutTokenValidator::new(ISSUER, CLIENT_ID).validate(
            &none,
            &jwks_of(&[&rs256_key("k1")]),
            now()
        ),
        Err(LogoutTokenError::Jose(_))
    ));
    // An access token or an ID token type is not a logout token.
    assert_eq!(
        check_signed(&rs256_key("k1"), Some("at+jwt"), &claims()),
        Err(LogoutTokenError::WrongType)
    );
}

#[test]
fn each_claim_rule_has_its_refusal() {
    let t = unix(now());
    let cases: Vec<(Map<String, Value>, LogoutTokenError)> = vec![
        (
            with(|c| {
                c.insert("iss".into(), json!("https://evil.example"));
            }),
            LogoutTokenError::IssuerMismatch,
        ),
        (
            with(|c| {
                c.remove("iss");
            }),
            LogoutTokenError::IssuerMismatch,
        ),
        (
            with(|c| {
                c.insert("aud".into(), json!("someone-else"));
            }),
            LogoutTokenError::AudienceMismatch,
        ),
        (
            with(|c| {
                c.remove("aud");
            }),
            LogoutTokenError::AudienceMismatch,
        ),
        (
            with(|c| {
                c.remove("iat");
            }),
            LogoutTokenError::MissingIssuedAt,
        ),
        (
            with(|c| {
                c.insert("iat".into(), json!(t + 3600));
            }),
            LogoutTokenError::IssuedInFuture,
        ),
        (
            with(|c| {
                c.insert("iat".into(), json!(t - 3600));
                c.remove("exp");
            }),
            LogoutTokenError::TooOld,
        ),
        (
            with(|c| {
                c.insert("exp".into(), json!(t - 300));
            }),
            LogoutTokenError::Expired,
        ),
        (
            with(|c| {
                c.remove("jti");
            }),
            LogoutTokenError::MissingJti,
        ),
        (
            with(|c| {
                c.insert("jti".into(), json!(""));
            }),
            LogoutTokenError::MissingJti,
        ),
        (
            with(|c| {
                c.remove("events");
            }),
            LogoutTokenError::MissingEvent,
        ),
        (
            with(|c| {
                c.insert("events".into(), json!({"http://example.com/other": {}}));
            }),
            LogoutTokenError::MissingEvent,
        ),
        (
            with(|c| {
                c.insert("events".into(), event(json!("yes")));
            }),
            LogoutTokenError::MissingEvent,
        ),
        (
            with(|c| {
                c.remove("sub");
                c.remove("sid");
            }),
            LogoutTokenError::MissingSubjectAndSession,
        ),
        (
            with(|c| {
                c.insert("nonce".into(), json!("n-1"));
            }),
            LogoutTokenError::HasNonce,
        ),
        (
            with(|c| {
                c.insert("iat".into(), json!("yesterday"));
            }),
            LogoutTokenError::MalformedClaims,
        ),
        (
            with(|c| {
                c.insert("sub".into(), json!(42));
            }),
            LogoutTokenError::MalformedClaims,
        ),
    ];
    for (c, expected) in cases {
        assert_eq!(check(&c), Err(expected.clone()), "claims {c:?}");
    }
    // sub alone, or sid alone, is enough.
    assert_eq!(
        check(&with(|c| {
            c.remove("sid");
        })),
        Ok(())
    );
    assert_eq!(
        check(&with(|c| {
            c.remove("sub");
        })),
        Ok(())
    );
}

#[test]
fn a_replayed_jti_is_caught_by_the_store() {
    let sessions = Sessions::new(
        SessionConfig::default(),
        Sealer::new(SealingKey::from_bytes([3; 32])),
    );
    let validator = LogoutTokenValidator::new(ISSUER, CLIENT_ID);
    let token = rs256_key("k1")
        .sign_claims(Some("logout+jwt"), &claims())
        .unwrap();
    let t = validator
        .validate(&token, &jwks_of(&[&rs256_key("k1")]), now())
        .unwrap();
    let store = MemorySessionStore::default();
    let w = sessions.jti_write(&t, &validator, now());
    assert!(
        !w.key.contains("jti-1"),
        "the store sees a hash, not the jti"
    );
    assert!(store.put_new_now(&w.key, &w.value, w.ttl, now()).unwrap());
    assert!(
        !store.put_new_now(&w.key, &w.value, w.ttl, now()).unwrap(),
        "second time: replay"
    );
    // The jti is remembered for as long as the token could be accepted.
    assert!(w.ttl.as_secs() >= 600);
}

#[test]
fn the_form_field_is_required_once() {
    assert_eq!(logout_token_from_form(b"logout_token=abc").unwrap(), "abc");
    assert_eq!(logout_token_from_form(b""), Err(LogoutTokenError::Missing));
    assert_eq!(
        logout_token_from_form(b"logout_token="),
        Err(LogoutTokenError::Missing)
    );
    assert_eq!(
        logout_token_from_form(b"logout_token=a&logout_token=b"),
        Err(LogoutTokenError::Missing)
    );
    assert_eq!(
        logout_token_from_form(&[0xff, 0xfe]),
        Err(LogoutTokenError::Missing)
    );
}
