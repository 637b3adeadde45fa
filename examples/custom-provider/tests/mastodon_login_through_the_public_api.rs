//! The custom provider, driven with the sans-IO core by hand: what is sent
//! and the identity that comes back — no network, no runtime.
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sesame_core::client::{CallbackParams, Client, ClientConfig};
use sesame_core::random::SeededRandom;
use sesame_core::step::{Exchange, Outgoing, Step};

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn response(body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn mastodon_login() {
    let provider = custom_provider::mastodon("https://mastodon.example/").unwrap();
    let client = Client::new(
        provider,
        ClientConfig::new(
            "app-id",
            "https://app.example/auth/mastodon/callback"
                .parse()
                .unwrap(),
        )
        .secret("app-secret"),
    )
    .unwrap();
    let meta = Arc::clone(client.provider().static_metadata().unwrap());
    let start = client
        .begin(&meta, None, now(), &SeededRandom::new(1))
        .unwrap();
    assert_eq!(start.url.host_str(), Some("mastodon.example"));
    assert_eq!(start.url.path(), "/oauth/authorize");
    let q: std::collections::HashMap<_, _> = start.url.query_pairs().into_owned().collect();
    assert_eq!(q["scope"], "read:accounts");
    assert_eq!(q["code_challenge_method"], "S256");

    let params = CallbackParams::from_query(&format!("code=c0de&state={}", q["state"])).unwrap();
    let (
        mut exchange,
        Outgoing {
            request: token_request,
            ..
        },
    ) = client
        .callback(meta, &params, start.pending, now(), &SeededRandom::new(3))
        .unwrap();
    assert_eq!(
        token_request.uri().to_string(),
        "https://mastodon.example/oauth/token"
    );
    let form: std::collections::HashMap<_, _> = url::form_urlencoded::parse(token_request.body())
        .into_owned()
        .collect();
    assert_eq!(form["client_id"], "app-id");
    assert_eq!(form["client_secret"], "app-secret");

    let Step::Send(Outgoing { request: account_request, .. }) = exchange
        .on_response(response(r#"{"access_token":"ZA-Yj3","token_type":"Bearer","scope":"read:accounts","created_at":1573979017}"#), now())
        .unwrap()
    else {
        panic!("expected the account call")
    };
    assert_eq!(
        account_request.uri().path(),
        "/api/v1/accounts/verify_credentials"
    );
    assert_eq!(account_request.headers()["authorization"], "Bearer ZA-Yj3");
    let Step::Done(login) = exchange
        .on_response(response(r#"{"id":"14715","username":"trwnh","acct":"trwnh","display_name":"infinite love ⴳ","avatar":"https://files.mastodon.social/accounts/avatars/000/014/715/original/34aa222f4ae2e0a9.png"}"#), now())
        .unwrap()
    else {
        panic!("expected the login")
    };
    assert_eq!(login.identity.id, "14715");
    assert_eq!(login.identity.provider, "mastodon");
    assert_eq!(login.identity.name.as_deref(), Some("infinite love ⴳ"));
    assert_eq!(login.identity.email, None);
    assert!(!login.identity.email_verified);
}
