//! The framework-neutral cookie and routing rules every adapter shares.
mod common;
use std::sync::Arc;

use common::*;
use sesame_core::client::{CallbackParams, Client, ClientConfig};
use sesame_core::login::LoginService;
use sesame_core::provider::{Provider, ResponseMode};
use sesame_core::seal::{Sealer, SealingKey};

fn service() -> LoginService {
    LoginService::new(Sealer::new(SealingKey::from_bytes([4; 32]))).provider(confidential_client())
}

#[test]
fn login_cookie_attributes() {
    let r = service()
        .start("op", &metadata(), Some("/next"), now(), &rng())
        .unwrap();
    let c = &r.set_cookie;
    let state = param(&r.location, "state").unwrap();
    assert!(c.starts_with(&format!("sesame-login-{state}=")), "{c}");
    for attr in [
        "; Path=/auth/op/callback",
        "; Max-Age=600",
        "; HttpOnly",
        "; SameSite=Lax",
        "; Secure",
    ] {
        assert!(c.contains(attr), "{attr} missing from {c}");
    }
    assert!(c.len() < 1024, "cookie-sized: {}", c.len());
}

#[test]
fn form_post_providers_get_samesite_none() {
    let client = Client::new(
        Provider::openid("apple", "Apple", ISSUER)
            .unwrap()
            .response_mode(ResponseMode::FormPost),
        ClientConfig::new(
            CLIENT_ID,
            "https://app.example/auth/apple/callback".parse().unwrap(),
        )
        .secret("x"),
    )
    .unwrap();
    let svc = LoginService::new(Sealer::new(SealingKey::from_bytes([4; 32]))).provider(client);
    let r = svc
        .start("apple", &metadata(), None, now(), &rng())
        .unwrap();
    assert!(r.set_cookie.contains("; SameSite=None") && r.set_cookie.contains("; Secure"));
    assert_eq!(param(&r.location, "response_mode").unwrap(), "form_post");
}

#[test]
fn secure_can_be_turned_off_for_localhost_development() {
    let r = service()
        .insecure_cookies()
        .start("op", &metadata(), None, now(), &rng())
        .unwrap();
    assert!(!r.set_cookie.contains("Secure"));
}

#[test]
fn unknown_provider_is_a_404() {
    let e = service()
        .start("nope", &metadata(), None, now(), &rng())
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (404, "unknown_provider"));
}

#[test]
fn two_logins_in_one_browser_do_not_clobber_each_other() {
    let svc = service();
    let a = svc
        .start("op", &metadata(), Some("/a"), now(), &rng())
        .unwrap();
    let b = svc
        .start("op", &metadata(), Some("/b"), now(), &rng())
        .unwrap();
    let cookie_of = |set: &str| set.split(';').next().unwrap().to_owned();
    let cookies = format!("{}; {}", cookie_of(&a.set_cookie), cookie_of(&b.set_cookie));
    for (r, want) in [(&a, "/a"), (&b, "/b")] {
        let state = param(&r.location, "state").unwrap();
        let params =
            CallbackParams::from_query(&format!("code=c&state={state}&iss={}", urlencode(ISSUER)))
                .unwrap();
        let start = svc.callback(
            "op",
            Arc::new(metadata()),
            &params,
            [cookies.as_str()],
            now(),
            &rng(),
        );
        assert!(start.clear_cookie.unwrap().contains("Max-Age=0"));
        let (exchange, _) = start.result.unwrap();
        let _ = (exchange, want);
    }
}

#[test]
fn callback_cookie_lookup_errors() {
    let svc = service();
    let r = svc.start("op", &metadata(), None, now(), &rng()).unwrap();
    let cookie = r.set_cookie.split(';').next().unwrap().to_owned();
    let q = |state: &str| {
        CallbackParams::from_query(&format!("code=c&state={state}&iss={}", urlencode(ISSUER)))
            .unwrap()
    };
    // No cookie at all.
    let s = svc.callback("op", Arc::new(metadata()), &q("x"), [], now(), &rng());
    assert_eq!(s.result.unwrap_err().code(), "missing_login_state");
    // A pending login exists, but for another state.
    let s = svc.callback(
        "op",
        Arc::new(metadata()),
        &q("other-state"),
        [cookie.as_str()],
        now(),
        &rng(),
    );
    assert_eq!(s.result.unwrap_err().code(), "state_mismatch");
    // A state that is not cookie-name material never reaches a header.
    let s = svc.callback(
        "op",
        Arc::new(metadata()),
        &q("a;b=c\r\n"),
        [cookie.as_str()],
        now(),
        &rng(),
    );
    assert_eq!(s.result.unwrap_err().code(), "state_mismatch");
    assert!(s.clear_cookie.is_none());
}
