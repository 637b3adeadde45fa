//! RFC 6749 §5.1/§5.2 plus the deviations real providers make.
mod common;
use common::*;
use serde_json::json;
use sesame_core::tokens::parse_token_response;
use sesame_core::{LoginError, ProviderError, RequestError};

fn resp(status: u16, ct: &str, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", ct)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn parse(status: u16, ct: &str, body: &str) -> Result<sesame_core::Tokens, LoginError> {
    parse_token_response(&resp(status, ct, body), now(), &["requested".to_string()])
}

#[test]
fn standard_json() {
    let t = parse(
        200,
        "application/json",
        r#"{"access_token":"a","token_type":"Bearer","expires_in":60,"scope":"x y"}"#,
    )
    .unwrap();
    assert_eq!(t.access_token.expose(), "a");
    assert_eq!(t.expires_at, Some(now() + secs(60)));
    assert_eq!(t.scopes, ["x", "y"]);
}

#[test]
fn token_type_is_case_insensitive_and_other_types_are_refused() {
    for tt in ["bearer", "BEARER", "Bearer"] {
        assert!(parse(
            200,
            "application/json",
            &format!(r#"{{"access_token":"a","token_type":"{tt}"}}"#)
        )
        .is_ok());
    }
    assert_eq!(
        parse(
            200,
            "application/json",
            r#"{"access_token":"a","token_type":"mac"}"#
        )
        .unwrap_err(),
        ProviderError::UnsupportedTokenType.into()
    );
}

#[test]
fn expires_in_is_optional_and_may_be_a_string() {
    let t = parse(
        200,
        "application/json",
        r#"{"access_token":"a","token_type":"bearer"}"#,
    )
    .unwrap();
    assert_eq!(t.expires_at, None);
    assert_eq!(
        t.scopes,
        ["requested"],
        "no scope in the response: the requested ones"
    );
    let t = parse(
        200,
        "application/json",
        r#"{"access_token":"a","token_type":"bearer","expires_in":"3600"}"#,
    )
    .unwrap();
    assert_eq!(t.expires_at, Some(now() + secs(3600)));
}

#[test]
fn github_form_encoded_body() {
    let t = parse(
        200,
        "application/x-www-form-urlencoded",
        "access_token=gho_abc&scope=read%3Auser%2Cuser%3Aemail&token_type=bearer",
    )
    .unwrap();
    assert_eq!(t.access_token.expose(), "gho_abc");
    assert_eq!(t.scopes, ["read:user", "user:email"]);
}

#[test]
fn github_200_with_an_error_body() {
    let e = parse(200, "application/json", r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}"#).unwrap_err();
    assert_eq!(
        e,
        ProviderError::TokenEndpoint {
            error: "bad_verification_code".into(),
            description: Some("The code passed is incorrect or expired.".into())
        }
        .into()
    );
    let e = parse(
        200,
        "application/x-www-form-urlencoded",
        "error=bad_verification_code&error_description=expired",
    )
    .unwrap_err();
    assert!(matches!(
        e,
        LoginError::Provider(ProviderError::TokenEndpoint { .. })
    ));
}

#[test]
fn rfc6749_error_responses() {
    assert_eq!(
        parse(
            400,
            "application/json",
            r#"{"error":"invalid_grant","error_description":"code already used"}"#
        )
        .unwrap_err(),
        RequestError::GrantRejected.into()
    );
    let e = parse(401, "application/json", r#"{"error":"invalid_client"}"#).unwrap_err();
    assert_eq!(
        e,
        ProviderError::TokenEndpoint {
            error: "invalid_client".into(),
            description: None
        }
        .into()
    );
    assert_eq!(e.status(), 502);
}

#[test]
fn non_json_failures_report_the_status() {
    assert_eq!(
        parse(503, "text/html", "<html>down</html>").unwrap_err(),
        ProviderError::Status {
            endpoint: "token".into(),
            status: 503
        }
        .into()
    );
    assert!(matches!(
        parse(200, "text/html", "<html>hi</html>").unwrap_err(),
        LoginError::Provider(ProviderError::MalformedResponse { .. })
    ));
    assert!(matches!(
        parse(200, "application/json", r#"{"token_type":"bearer"}"#).unwrap_err(),
        LoginError::Provider(ProviderError::MalformedResponse { .. })
    ));
}

#[test]
fn scope_as_array_and_extra_fields_are_kept() {
    let t = parse(
        200,
        "application/json",
        &json!({"access_token":"a","token_type":"bearer","scope":["a","b"],"user_id":42})
            .to_string(),
    )
    .unwrap();
    assert_eq!(t.scopes, ["a", "b"]);
    assert_eq!(t.extra["user_id"], 42);
    assert!(!t.extra.contains_key("access_token"));
}

#[test]
fn fitbit_error_list() {
    let body = r#"{"errors":[{"errorType":"invalid_grant","message":"Authorization code invalid: 5ac2b0b5."}],"success":false}"#;
    assert_eq!(
        parse(400, "application/json", body).unwrap_err(),
        RequestError::GrantRejected.into()
    );
    let body = r#"{"errors":[{"errorType":"invalid_client","message":"Invalid authorization header."}],"success":false}"#;
    match parse(401, "application/json", body).unwrap_err() {
        LoginError::Provider(ProviderError::TokenEndpoint { error, description }) => {
            assert_eq!(error, "invalid_client");
            assert_eq!(
                description.as_deref(),
                Some("Invalid authorization header.")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn instagram_wrapped_in_data() {
    let body = r#"{"data":[{"access_token":"IGAAx","user_id":"17841405793187218","permissions":"instagram_business_basic"}]}"#;
    let t = parse(200, "application/json", body).unwrap();
    assert_eq!(t.access_token.expose(), "IGAAx");
    assert_eq!(t.extra["user_id"], json!("17841405793187218"));
    // Two entries, or none with a token: not guessed at.
    for body in [
        r#"{"data":[{"access_token":"a"},{"access_token":"b"}]}"#,
        r#"{"data":[{"user_id":"1"}]}"#,
    ] {
        assert!(parse(200, "application/json", body).is_err(), "{body}");
    }
}
