use serde_json::json;

use super::super::harness::*;

const AUTHORIZE: &str = "https://www.figma.com/oauth";
const TOKEN: &str = "https://api.figma.com/v1/oauth/token";
const ME: &str = "https://api.figma.com/v1/me";

async fn start() -> Flow {
    let flow = Flow::start(
        sesame_providers::figma(),
        Secret::Static(CLIENT_SECRET),
        |_| {},
    )
    .await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "current_user:read")],
        true,
        false,
    );
    flow
}

#[tokio::test]
async fn figma_login() {
    let flow = start().await;
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"user_id_string": "1234567890123456789", "user_id": 1234567890123456789u64, "access_token": "figu_abc", "token_type": "bearer", "refresh_token": "figur_abc", "expires_in": 7776000})));
    flow.fake.on("GET", ME, json_reply(200, json!({"id": "1234567890123456789", "email": "designer@example.com", "handle": "Dana Designer", "img_url": "https://s3-alpha.figma.com/profile/abcd-1234"})));
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    Flow::assert_basic(&flow.token_request(TOKEN));
    assert_bearer(&flow.fake, "GET", ME, "figu_abc");
    assert_identity(
        &identity,
        json!({"provider": "figma", "id": "1234567890123456789", "email": "designer@example.com", "email_verified": false, "name": "Dana Designer", "preferred_username": "Dana Designer", "picture": "https://s3-alpha.figma.com/profile/abcd-1234"}),
    );
}

#[tokio::test]
async fn figma_without_email() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        json_reply(
            200,
            json!({"access_token": "figu_abc", "expires_in": 7776000}),
        ),
    );
    flow.fake.on("GET", ME, json_reply(200, json!({"id": "1234567890123456789", "handle": "Dana Designer", "img_url": "https://s3-alpha.figma.com/profile/abcd-1234"})));
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(&identity, json!({"email": null, "email_verified": false}));
}

#[tokio::test]
async fn figma_nonstandard_token_error_is_a_provider_error() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        json_reply(
            400,
            json!({"error": true, "status": 400, "message": "Invalid code", "i18n": null}),
        ),
    );
    let (status, body) = flow.callback(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (502, Some("provider_error"))
    );
}
