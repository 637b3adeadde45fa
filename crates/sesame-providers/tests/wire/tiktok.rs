use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://www.tiktok.com/v2/auth/authorize/";
const TOKEN: &str = "https://open.tiktokapis.com/v2/oauth/token/";
const USER_INFO: &str = "https://open.tiktokapis.com/v2/user/info/";
const OPEN_ID: &str = "723f24d7-e717-40f8-a2b6-cb8464cd23b4";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::tiktok()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_key", CLIENT_ID), ("scope", "user.info.basic")],
        true,
        false,
    );
    assert!(flow.param("client_id").is_none());
    flow
}

fn tokens() -> Reply {
    json_reply(
        200,
        json!({"access_token": "act.example12345Example12345Example", "expires_in": 86400, "open_id": OPEN_ID, "refresh_expires_in": 31536000, "refresh_token": "rft.example12345Example12345Example", "scope": "user.info.basic", "token_type": "Bearer"}),
    )
}

#[tokio::test]
async fn tiktok_login_with_client_key() {
    let flow = start().await;
    let info = json!({"data": {"user": {"avatar_url": "https://p19-sign.tiktokcdn-us.com/tos-useast5-avt-0068-tx/b17f0e4b~c5_168x168.jpeg", "open_id": OPEN_ID, "union_id": "c9c60f44-a68e-4f5d-84dd-ce22faeb0ba1", "display_name": "Tik Toker"}}, "error": {"code": "ok", "message": "", "log_id": "20220829194722CBE87ED59D524E727021"}});
    let identity = flow
        .identity_after_token(TOKEN, tokens(), USER_INFO, info)
        .await;
    let token = flow.token_request(TOKEN);
    Flow::assert_post(&token, "client_key");
    assert!(!token.form().contains_key("client_id"));
    let r = assert_bearer(
        &flow.fake,
        "GET",
        USER_INFO,
        "act.example12345Example12345Example",
    );
    assert_eq!(
        r.query_map().get("fields").map(String::as_str),
        Some("open_id,union_id,avatar_url,display_name")
    );
    assert_identity(
        &identity,
        json!({"provider": "tiktok", "id": OPEN_ID, "email": null, "email_verified": false, "name": "Tik Toker", "picture": "https://p19-sign.tiktokcdn-us.com/tos-useast5-avt-0068-tx/b17f0e4b~c5_168x168.jpeg"}),
    );
}

#[tokio::test]
async fn tiktok_id_falls_back_to_the_token_open_id() {
    let flow = start().await;
    let info = json!({"data": {}, "error": {"code": "scope_not_authorized", "message": "The user did not authorize the scope required for completing this request.", "log_id": "2022"}});
    let identity = flow
        .identity_after_token(TOKEN, tokens(), USER_INFO, info)
        .await;
    assert_identity(&identity, json!({"id": OPEN_ID, "name": null}));
}

common_cases! {
    start: start(), token: TOKEN;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Authorization code is expired.", "log_id": "202206221854370101130062072500FFA2"});
}
