use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://discord.com/oauth2/authorize";
const TOKEN: &str = "https://discord.com/api/oauth2/token";
const ME: &str = "https://discord.com/api/v10/users/@me";

fn user() -> serde_json::Value {
    json!({"id": "80351110224678912", "username": "nelly", "discriminator": "0", "global_name": "Nelly", "avatar": "8342729096ea3675442027381ff50dfe", "bot": false, "mfa_enabled": true, "banner": null, "accent_color": 16711680, "locale": "en-US", "verified": true, "email": "nelly@discord.com", "flags": 64, "premium_type": 1, "public_flags": 64})
}

async fn start(user: serde_json::Value) -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::discord()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "identify email")],
        true,
        false,
    );
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "6qrZcUqja7812RVdnEKjpzOL4CvHBFG", "token_type": "Bearer", "expires_in": 604800, "refresh_token": "D43f5y0ahjqew82jZ4NViEr2YafMKhue", "scope": "identify email"})));
    flow.fake.on("GET", ME, json_reply(200, user));
    flow
}

#[tokio::test]
async fn discord_login_with_verified_email() {
    let flow = start(user()).await;
    let identity = flow.identity().await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    assert_bearer(&flow.fake, "GET", ME, "6qrZcUqja7812RVdnEKjpzOL4CvHBFG");
    assert_identity(
        &identity,
        json!({"provider": "discord", "id": "80351110224678912", "email": "nelly@discord.com", "email_verified": true, "name": "Nelly", "preferred_username": "nelly", "picture": "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png", "locale": "en-US"}),
    );
}

#[tokio::test]
async fn discord_unverified_email_is_not_verified() {
    let mut u = user();
    u["verified"] = json!(false);
    u["global_name"] = json!(null);
    u["avatar"] = json!("a_1269e74af4df7417b13759eae50c83dc");
    let flow = start(u).await;
    let identity = flow.identity().await;
    assert_identity(
        &identity,
        json!({"email": "nelly@discord.com", "email_verified": false, "name": "nelly", "picture": "https://cdn.discordapp.com/avatars/80351110224678912/a_1269e74af4df7417b13759eae50c83dc.gif"}),
    );
}

#[tokio::test]
async fn discord_phone_only_account_has_no_email() {
    let mut u = user();
    u["email"] = json!(null);
    let flow = start(u).await;
    let identity = flow.identity().await;
    assert_identity(&identity, json!({"email": null, "email_verified": false}));
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::discord()), token: TOKEN;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Invalid \"code\" in request."});
}
