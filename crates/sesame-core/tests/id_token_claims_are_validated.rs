//! One test per OIDC Core §3.1.3.7 rule, each asserting its own error.
mod common;
use common::*;
use serde_json::{json, Map, Value};
use sesame_core::idtoken::{token_hash, IdTokenError, IdTokenValidator, IssuerRule};
use sesame_core::jose::{Algorithm, JoseError};

fn validator() -> IdTokenValidator {
    IdTokenValidator::new(ISSUER, CLIENT_ID).nonce("n-1")
}

fn check_with(
    v: &IdTokenValidator,
    edit: impl FnOnce(&mut Map<String, Value>),
) -> Result<sesame_core::idtoken::IdTokenClaims, IdTokenError> {
    let key = es256_key("k1");
    let mut claims = id_claims("n-1");
    edit(&mut claims);
    v.validate(
        &sign(&key, &claims),
        &jwks_of(&[&key]),
        now(),
        Some("at-123"),
    )
}

fn check(
    edit: impl FnOnce(&mut Map<String, Value>),
) -> Result<sesame_core::idtoken::IdTokenClaims, IdTokenError> {
    check_with(&validator(), edit)
}

#[test]
fn a_valid_token_passes() {
    let c = check(|_| {}).unwrap();
    assert_eq!(c.subject, "user-1");
    assert_eq!(c.claims["email"], "ada@example.com");
}

#[test]
fn wrong_issuer() {
    assert_eq!(
        check(|c| {
            c.insert("iss".into(), json!("https://evil.example"));
        })
        .unwrap_err(),
        IdTokenError::IssuerMismatch
    );
    // Exact match: a trailing slash is another issuer.
    assert_eq!(
        check(|c| {
            c.insert("iss".into(), json!(format!("{ISSUER}/")));
        })
        .unwrap_err(),
        IdTokenError::IssuerMismatch
    );
}

#[test]
fn wrong_audience() {
    assert_eq!(
        check(|c| {
            c.insert("aud".into(), json!("someone-else"));
        })
        .unwrap_err(),
        IdTokenError::AudienceMismatch
    );
}

#[test]
fn several_audiences_need_azp() {
    assert_eq!(
        check(|c| {
            c.insert("aud".into(), json!([CLIENT_ID, "other"]));
        })
        .unwrap_err(),
        IdTokenError::MissingAuthorizedParty
    );
    assert!(check(|c| {
        c.insert("aud".into(), json!([CLIENT_ID, "other"]));
        c.insert("azp".into(), json!(CLIENT_ID));
    })
    .is_ok());
}

#[test]
fn azp_must_be_the_client() {
    assert_eq!(
        check(|c| {
            c.insert("azp".into(), json!("other"));
        })
        .unwrap_err(),
        IdTokenError::AuthorizedPartyMismatch
    );
}

#[test]
fn expired_beyond_leeway() {
    let t = unix(now());
    // Within the 60 s leeway: accepted.
    assert!(check(|c| {
        c.insert("exp".into(), json!(t - 30));
    })
    .is_ok());
    assert_eq!(
        check(|c| {
            c.insert("exp".into(), json!(t - 61));
        })
        .unwrap_err(),
        IdTokenError::Expired
    );
    assert_eq!(
        check(|c| {
            c.remove("exp");
        })
        .unwrap_err(),
        IdTokenError::MissingExpiry
    );
}

#[test]
fn leeway_is_configurable() {
    let mut v = validator();
    v.leeway = secs(0);
    let t = unix(now());
    assert_eq!(
        check_with(&v, |c| {
            c.insert("exp".into(), json!(t - 1));
        })
        .unwrap_err(),
        IdTokenError::Expired
    );
}

#[test]
fn issued_in_the_future() {
    let t = unix(now());
    assert!(check(|c| {
        c.insert("iat".into(), json!(t + 30));
    })
    .is_ok());
    assert_eq!(
        check(|c| {
            c.insert("iat".into(), json!(t + 120));
        })
        .unwrap_err(),
        IdTokenError::IssuedInFuture
    );
    assert_eq!(
        check(|c| {
            c.remove("iat");
        })
        .unwrap_err(),
        IdTokenError::MissingIssuedAt
    );
}

#[test]
fn not_yet_valid() {
    let t = unix(now());
    assert_eq!(
        check(|c| {
            c.insert("nbf".into(), json!(t + 120));
        })
        .unwrap_err(),
        IdTokenError::NotYetValid
    );
}

#[test]
fn bad_or_missing_nonce() {
    assert_eq!(
        check(|c| {
            c.insert("nonce".into(), json!("n-2"));
        })
        .unwrap_err(),
        IdTokenError::NonceMismatch
    );
    assert_eq!(
        check(|c| {
            c.remove("nonce");
        })
        .unwrap_err(),
        IdTokenError::MissingNonce
    );
}

#[test]
fn missing_or_empty_sub() {
    assert_eq!(
        check(|c| {
            c.remove("sub");
        })
        .unwrap_err(),
        IdTokenError::MissingSubject
    );
    assert_eq!(
        check(|c| {
            c.insert("sub".into(), json!(""));
        })
        .unwrap_err(),
        IdTokenError::MissingSubject
    );
}

#[test]
fn at_hash_is_checked_when_present() {
    let good = token_hash(Algorithm::ES256, "at-123");
    assert!(check(|c| {
        c.insert("at_hash".into(), json!(good));
    })
    .is_ok());
    assert_eq!(
        check(|c| {
            c.insert(
                "at_hash".into(),
                json!(token_hash(Algorithm::ES256, "other")),
            );
        })
        .unwrap_err(),
        IdTokenError::AccessTokenHashMismatch
    );
}

#[test]
fn claims_of_the_wrong_type_are_malformed() {
    assert_eq!(
        check(|c| {
            c.insert("exp".into(), json!("soon"));
        })
        .unwrap_err(),
        IdTokenError::MalformedClaims
    );
    assert_eq!(
        check(|c| {
            c.insert("sub".into(), json!(42));
        })
        .unwrap_err(),
        IdTokenError::MalformedClaims
    );
}

#[test]
fn signature_problems_surface_as_jose_errors() {
    let key = es256_key("k1");
    let other = es256_key("k2");
    let token = sign(&key, &id_claims("n-1"));
    assert_eq!(
        validator()
            .validate(&token, &jwks_of(&[&other]), now(), None)
            .unwrap_err(),
        IdTokenError::Jose(JoseError::UnknownKey)
    );
}

#[test]
fn an_access_token_is_not_an_id_token() {
    let key = es256_key("k1");
    let token = key.sign_claims(Some("at+jwt"), &id_claims("n-1")).unwrap();
    assert_eq!(
        validator()
            .validate(&token, &jwks_of(&[&key]), now(), None)
            .unwrap_err(),
        IdTokenError::WrongTokenType
    );
}

#[test]
fn on_refresh_nonce_may_be_absent_but_subject_must_match() {
    let mut v = IdTokenValidator::new(ISSUER, CLIENT_ID);
    v.expected_subject = Some("user-1".into());
    assert!(check_with(&v, |c| {
        c.remove("nonce");
    })
    .is_ok());
    assert_eq!(
        check_with(&v, |c| {
            c.insert("sub".into(), json!("user-2"));
        })
        .unwrap_err(),
        IdTokenError::SubjectMismatch
    );
}

#[test]
fn templated_tenant_issuer() {
    let mut v = validator();
    v.issuer = IssuerRule::Template {
        template: "https://login.microsoftonline.com/{tenantid}/v2.0".into(),
        placeholder: "{tenantid}".into(),
        claim: "tid".into(),
    };
    assert!(check_with(&v, |c| {
        c.insert(
            "iss".into(),
            json!("https://login.microsoftonline.com/t-1/v2.0"),
        );
        c.insert("tid".into(), json!("t-1"));
    })
    .is_ok());
    assert_eq!(
        check_with(&v, |c| {
            c.insert(
                "iss".into(),
                json!("https://login.microsoftonline.com/t-2/v2.0"),
            );
            c.insert("tid".into(), json!("t-1"));
        })
        .unwrap_err(),
        IdTokenError::IssuerMismatch
    );
}
