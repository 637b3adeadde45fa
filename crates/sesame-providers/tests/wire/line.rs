use serde_json::json;
use sesame_core::jose::SigningKey;

use super::harness::*;

const ISSUER: &str = "https://access.line.me";
const AUTHORIZE: &str = "https://access.line.me/oauth2/v2.1/authorize";
const TOKEN: &str = "https://api.line.me/oauth2/v2.1/token";

/// A web-login ID token: HS256 with the channel secret, and LINE's header
/// (no `kid`).
fn hs256(secret: &str, claims: serde_json::Value) -> String {
    SigningKey::hs256(secret.as_bytes(), "unused")
        .sign_parts(
            br#"{"typ":"JWT","alg":"HS256"}"#,
            claims.to_string().as_bytes(),
        )
        .unwrap()
}

fn claims(flow: &Flow) -> serde_json::Value {
    flow.id_claims(
        ISSUER,
        "U1234567890abcdef1234567890abcdef",
        json!({"auth_time": 1504263657, "amr": ["pwd"], "name": "Taro Line", "picture": "https://profile.line-scdn.net/0h8pWWElvzZ19qLk3ywQYYCFZraTIdAGEXEkt", "email": "taro.line@example.com"}),
    )
}

fn token_reply(id_token: String) -> Reply {
    json_reply(
        200,
        json!({"access_token": "bNl4YEFPI/hjFWhTqexp4MuEw5YPs", "expires_in": 2592000, "id_token": id_token, "refresh_token": "Aa1FdeggRhTnPNNpxr8p", "scope": "openid email profile", "token_type": "Bearer"}),
    )
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::line()).await;
    flow.assert_authorize(AUTHORIZE, OPENID_EMAIL_PROFILE, true, true);
    flow
}

#[tokio::test]
async fn line_login_with_an_hs256_id_token_signed_by_the_channel_secret() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        token_reply(hs256(CLIENT_SECRET, claims(&flow))),
    );
    let identity = flow.identity().await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    // Everything is in the validated ID token: no other call.
    assert_eq!(flow.fake.requests().len(), 1);
    assert_identity(
        &identity,
        json!({"provider": "line", "id": "U1234567890abcdef1234567890abcdef", "email": "taro.line@example.com", "email_verified": false, "name": "Taro Line", "picture": "https://profile.line-scdn.net/0h8pWWElvzZ19qLk3ywQYYCFZraTIdAGEXEkt"}),
    );
}

#[tokio::test]
async fn line_id_token_signed_with_another_secret_is_refused() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        token_reply(hs256("not-the-channel-secret", claims(&flow))),
    );
    let got = flow.callback_error().await;
    assert_eq!(got, (502, Some("invalid_id_token".into())));
}

#[tokio::test]
async fn line_without_email_permission() {
    let flow = start().await;
    let mut c = claims(&flow);
    c.as_object_mut().unwrap().remove("email");
    flow.fake
        .on("POST", TOKEN, token_reply(hs256(CLIENT_SECRET, c)));
    let identity = flow.identity().await;
    assert_identity(
        &identity,
        json!({"id": "U1234567890abcdef1234567890abcdef", "email": null, "email_verified": false}),
    );
}

common_cases! {
    start: start(), token: TOKEN;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "invalid authorization code"});
}
