mod common;
use common::*;
use serde_json::json;
use sesame_core::ProviderError;

#[test]
fn a_different_userinfo_sub_is_refused() {
    let s = start(confidential_client());
    let (exchange, req) = s.callback(&s.good_query()).unwrap();
    let key = es256_key("k1");
    let err = drive(
        exchange,
        req,
        op_answers(
            Some(sign(&key, &id_claims(&s.nonce))),
            json!({"sub": "someone-else", "email": "evil@example.com"}),
        ),
        |_| jwks_of(&[&key]),
    )
    .unwrap_err();
    assert_eq!(err, ProviderError::UserinfoSubjectMismatch.into());
}

#[test]
fn a_userinfo_without_sub_is_refused() {
    let s = start(confidential_client());
    let (exchange, req) = s.callback(&s.good_query()).unwrap();
    let key = es256_key("k1");
    let err = drive(
        exchange,
        req,
        op_answers(
            Some(sign(&key, &id_claims(&s.nonce))),
            json!({"email": "x@example.com"}),
        ),
        |_| jwks_of(&[&key]),
    )
    .unwrap_err();
    assert_eq!(err, ProviderError::UserinfoSubjectMismatch.into());
}

#[test]
fn email_verified_is_false_unless_the_provider_says_so() {
    let s = start(confidential_client());
    let (exchange, req) = s.callback(&s.good_query()).unwrap();
    let key = es256_key("k1");
    let mut claims = id_claims(&s.nonce);
    claims.remove("email_verified");
    let login = drive(
        exchange,
        req,
        op_answers(
            Some(sign(&key, &claims)),
            json!({"sub": "user-1", "email": "ada@example.com"}),
        ),
        |_| jwks_of(&[&key]),
    )
    .unwrap();
    assert_eq!(login.identity.email.as_deref(), Some("ada@example.com"));
    assert!(!login.identity.email_verified);
}
