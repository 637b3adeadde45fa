//! state, RFC 9207 iss, authorization errors, provider binding, parameters.
mod common;
use common::*;
use sesame_core::client::PendingLogin;
use sesame_core::discovery::ProviderMetadata;
use sesame_core::http_util::ParamsError;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::{LoginError, RequestError};

fn err(q: &str) -> LoginError {
    let s = start(confidential_client());
    let q = q.replace("{state}", &s.state);
    s.callback(&q).unwrap_err()
}

#[test]
fn state_mismatch() {
    let e = err(&format!(
        "code=c&state=wrong-state-value-xxxxx&iss={}",
        urlencode(ISSUER)
    ));
    assert_eq!(e, RequestError::StateMismatch.into());
    assert_eq!((e.status(), e.code()), (400, "state_mismatch"));
}

#[test]
fn missing_state() {
    assert_eq!(
        err(&format!("code=c&iss={}", urlencode(ISSUER))),
        RequestError::MissingState.into()
    );
}

#[test]
fn missing_or_tampered_state_cookie() {
    let sealer = Sealer::new(SealingKey::from_bytes([3; 32]));
    let e = PendingLogin::open(&sealer, None, now()).unwrap_err();
    assert_eq!((e.status(), e.code()), (400, "missing_login_state"));
    let s = start(confidential_client());
    let mut cookie = s.pending.seal(&sealer, now(), &rng()).unwrap();
    let last = cookie.pop().unwrap();
    cookie.push(if last == 'A' { 'B' } else { 'A' });
    let e = PendingLogin::open(&sealer, Some(&cookie), now()).unwrap_err();
    assert_eq!(e.code(), "invalid_login_state");
}

#[test]
fn expired_login() {
    let sealer = Sealer::new(SealingKey::from_bytes([3; 32]));
    let s = start(confidential_client());
    let cookie = s.pending.seal(&sealer, now(), &rng()).unwrap();
    let e = PendingLogin::open(&sealer, Some(&cookie), now() + secs(11 * 60)).unwrap_err();
    assert_eq!(e, RequestError::LoginExpired.into());
    assert_eq!(e.code(), "login_expired");
}

#[test]
fn iss_parameter_mismatch() {
    let e = err(&format!(
        "code=c&state={{state}}&iss={}",
        urlencode("https://evil.example")
    ));
    assert_eq!(e, RequestError::IssuerMismatch.into());
}

#[test]
fn iss_parameter_missing_when_advertised() {
    assert_eq!(
        err("code=c&state={state}"),
        RequestError::MissingIssuer.into()
    );
}

#[test]
fn iss_parameter_optional_when_not_advertised() {
    let s = start(confidential_client());
    let mut meta: ProviderMetadata = (*s.meta).clone();
    meta.authorization_response_iss_parameter_supported = false;
    let params =
        sesame_core::client::CallbackParams::from_query(&format!("code=c&state={}", s.state))
            .unwrap();
    assert!(s
        .client
        .callback(
            std::sync::Arc::new(meta),
            &params,
            s.pending.clone(),
            now(),
            &rng()
        )
        .is_ok());
}

#[test]
fn authorization_error_is_typed() {
    let e = err(&format!(
        "error=access_denied&error_description=The+user+said+no&state={{state}}&iss={}",
        urlencode(ISSUER)
    ));
    assert_eq!(
        e,
        RequestError::Authorization {
            error: "access_denied".into(),
            description: Some("The user said no".into())
        }
        .into()
    );
    assert_eq!((e.status(), e.code()), (401, "access_denied"));
    // Without state too (some providers omit it on errors): still the error, no token request.
    assert_eq!(
        err(&format!("error=server_error&iss={}", urlencode(ISSUER))).code(),
        "authorization_failed"
    );
}

#[test]
fn an_error_with_a_wrong_state_is_a_state_mismatch() {
    let e = err(&format!(
        "error=access_denied&state=nope&iss={}",
        urlencode(ISSUER)
    ));
    assert_eq!(e, RequestError::StateMismatch.into());
}

#[test]
fn missing_code() {
    assert_eq!(
        err(&format!("state={{state}}&iss={}", urlencode(ISSUER))),
        RequestError::MissingCode.into()
    );
}

#[test]
fn callback_for_another_provider() {
    let s = start(confidential_client());
    let other = sesame_core::client::Client::new(
        sesame_core::provider::Provider::openid("other", "Other", ISSUER).unwrap(),
        sesame_core::client::ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()),
    )
    .unwrap();
    let params = sesame_core::client::CallbackParams::from_query(&s.good_query()).unwrap();
    assert_eq!(
        other
            .callback(s.meta.clone(), &params, s.pending.clone(), now(), &rng())
            .unwrap_err(),
        RequestError::ProviderMismatch.into()
    );
}

#[test]
fn duplicated_oversized_and_non_utf8_parameters() {
    assert_eq!(
        err("code=a&code=b&state={state}"),
        RequestError::InvalidParameters(ParamsError::Duplicate("code".into())).into()
    );
    assert_eq!(
        err(&format!("code={}&state={{state}}", "a".repeat(40_000))),
        RequestError::InvalidParameters(ParamsError::TooLarge).into()
    );
    assert_eq!(
        err("code=%ff%fe&state={state}"),
        RequestError::InvalidParameters(ParamsError::InvalidEncoding).into()
    );
    assert_eq!(
        err("code=%zz&state={state}"),
        RequestError::InvalidParameters(ParamsError::InvalidEncoding).into()
    );
}

#[test]
fn return_to_must_be_a_relative_path() {
    let client = confidential_client();
    let meta = metadata();
    for bad in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "/a\nb",
        "",
    ] {
        let e = client.begin(&meta, Some(bad), now(), &rng()).unwrap_err();
        assert_eq!(e, RequestError::InvalidReturnTo.into(), "{bad:?}");
    }
    assert!(client
        .begin(&meta, Some("/dashboard?x=1#frag"), now(), &rng())
        .is_ok());
}

#[test]
fn state_is_repeated_in_the_token_request_only_when_the_provider_wants_it() {
    let s = start(confidential_client());
    let (_, req) = s.callback(&s.good_query()).unwrap();
    assert_eq!(form_param(req.request.body(), "state"), None);

    let provider = sesame_core::provider::Provider::openid("op", "Example OP", ISSUER)
        .unwrap()
        .state_in_token_request();
    let client = sesame_core::client::Client::new(
        provider,
        sesame_core::client::ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
            .secret("s3cret"),
    )
    .unwrap();
    let s = start(client);
    let (_, req) = s.callback(&s.good_query()).unwrap();
    assert_eq!(
        form_param(req.request.body(), "state"),
        Some(s.state.clone())
    );
    // Never before the state matched.
    let bad = format!(
        "code=c&state=wrong-state-value-xxxxx&iss={}",
        urlencode(ISSUER)
    );
    assert_eq!(
        s.callback(&bad).unwrap_err(),
        RequestError::StateMismatch.into()
    );
}
