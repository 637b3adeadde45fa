use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://www.figma.com/oauth";
const TOKEN: &str = "https://api.figma.com/v1/oauth/token";
const ME: &str = "https://api.figma.com/v1/me";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::figma()).await;
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
    let token = json_reply(
        200,
        json!({"user_id_string": "1234567890123456789", "user_id": 1234567890123456789u64, "access_token": "figu_abc", "token_type": "bearer", "refresh_token": "figur_abc", "expires_in": 7776000}),
    );
    let me = json!({"id": "1234567890123456789", "email": "designer@example.com", "handle": "Dana Designer", "img_url": "https://s3-alpha.figma.com/profile/abcd-1234"});
    let identity = flow.identity_after_token(TOKEN, token, ME, me).await;
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
    let token = json_reply(
        200,
        json!({"access_token": "figu_abc", "expires_in": 7776000}),
    );
    let me = json!({"id": "1234567890123456789", "handle": "Dana Designer", "img_url": "https://s3-alpha.figma.com/profile/abcd-1234"});
    let identity = flow.identity_after_token(TOKEN, token, ME, me).await;
    assert_identity(&identity, json!({"email": null, "email_verified": false}));
}

#[tokio::test]
async fn figma_nonstandard_token_error_is_a_provider_error() {
    let flow = start().await;
    let error = json!({"error": true, "status": 400, "message": "Invalid code", "i18n": null});
    let got = flow.token_error(TOKEN, 400, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
