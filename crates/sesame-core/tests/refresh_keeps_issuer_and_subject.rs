mod common;
use common::*;
use serde_json::json;
use sesame_core::client::Exchange as _;
use sesame_core::client::Step;
use sesame_core::idtoken::IdTokenError;
use sesame_core::{ProviderError, RequestError, Secret};

fn original() -> sesame_core::idtoken::IdTokenClaims {
    let key = es256_key("k1");
    sesame_core::idtoken::IdTokenValidator::new(ISSUER, CLIENT_ID)
        .nonce("n")
        .validate(&sign(&key, &id_claims("n")), &jwks_of(&[&key]), now(), None)
        .unwrap()
}

fn refresh(id_token: Option<String>) -> Result<sesame_core::Tokens, sesame_core::LoginError> {
    let client = confidential_client();
    let meta = std::sync::Arc::new(metadata());
    let prev = original();
    let (mut ex, req) = client
        .refresh(meta, &Secret::new("rt-1"), Some(&prev), now(), &rng())
        .unwrap();
    assert_eq!(
        form_param(req.request.body(), "grant_type").unwrap(),
        "refresh_token"
    );
    assert_eq!(
        form_param(req.request.body(), "refresh_token").unwrap(),
        "rt-1"
    );
    assert_eq!(
        req.request.headers()["authorization"],
        "Basic Y2xpZW50LTE6czNjcmV0"
    );
    let mut body = json!({"access_token": "at-2", "token_type": "Bearer", "refresh_token": "rt-2"});
    if let Some(t) = id_token {
        body["id_token"] = json!(t);
    }
    let mut step = ex.on_response(json_response(200, body), now())?;
    loop {
        step = match step {
            Step::NeedKeys(_) => ex.on_keys(&jwks_of(&[&es256_key("k1")]), now())?,
            Step::Done(t) => return Ok(t),
            Step::Send(_) => panic!("no more requests expected"),
        }
    }
}

#[test]
fn refresh_without_id_token() {
    let t = refresh(None).unwrap();
    assert_eq!(t.access_token.expose(), "at-2");
    assert_eq!(t.refresh_token.unwrap().expose(), "rt-2");
}

#[test]
fn refresh_id_token_may_omit_the_nonce() {
    let mut c = id_claims("");
    c.remove("nonce");
    let t = refresh(Some(sign(&es256_key("k1"), &c))).unwrap();
    assert_eq!(t.id_token_claims.unwrap().subject, "user-1");
}

#[test]
fn refresh_id_token_with_another_subject_is_refused() {
    let mut c = id_claims("");
    c.insert("sub".into(), json!("user-2"));
    assert_eq!(
        refresh(Some(sign(&es256_key("k1"), &c))).unwrap_err(),
        ProviderError::IdToken(IdTokenError::SubjectMismatch).into()
    );
}

#[test]
fn a_revoked_refresh_token_is_a_rejected_grant() {
    let client = confidential_client();
    let (mut ex, _) = client
        .refresh(
            std::sync::Arc::new(metadata()),
            &Secret::new("rt-old"),
            None,
            now(),
            &rng(),
        )
        .unwrap();
    let e = ex
        .on_response(json_response(400, json!({"error": "invalid_grant"})), now())
        .unwrap_err();
    assert_eq!(e, RequestError::GrantRejected.into());
}
