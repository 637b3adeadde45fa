use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://id.vk.com/authorize";
const TOKEN: &str = "https://id.vk.com/oauth2/auth";
const USER_INFO: &str = "https://id.vk.com/oauth2/user_info";
const DEVICE_ID: &str =
    "Kj7rS4is6QVxmt5B-wlWojwRdCDLR8vtXH8BH1rYtwKhnsZyOHz_OtAhp5UopmDOsbmbePDv7qWcARC4XPqquw";

async fn start() -> Flow {
    let flow = Flow::start(sesame_providers::vk(), Secret::Public, |_| {}).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "vkid.personal_info email"),
        ],
        true,
        false,
    );
    flow
}

async fn callback(flow: &Flow) -> (u16, serde_json::Value) {
    callback_with_query(
        flow,
        &[
            ("device_id", DEVICE_ID),
            ("type", "code_v2"),
            ("expires_in", "600"),
            ("ext_id", "x1"),
        ],
    )
    .await
}

#[tokio::test]
async fn vk_id_login_public_client_device_id_and_form_user_info() {
    let flow = start().await;
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"refresh_token": "vk2.a.refresh", "access_token": "vk2.a.access", "id_token": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOjF9.c2ln", "token_type": "Bearer", "expires_in": 3600, "user_id": 1234567890u64, "state": "ignored", "scope": "vkid.personal_info email"})));
    flow.fake.on("POST", USER_INFO, json_reply(200, json!({"user": {"user_id": "1234567890", "first_name": "Ivan", "last_name": "Ivanov", "phone": "79991234567", "avatar": "https://sun1-99.userapi.com/s/v1/ig2/x.jpg", "email": "ivan@example.ru", "sex": 2, "verified": false, "birthday": "01.01.1990"}})));
    let (status, identity) = callback(&flow).await;
    assert_eq!(status, 200, "{identity}");

    let token = flow.token_request(TOKEN);
    assert!(token.header("authorization").is_none());
    let f = token.form();
    assert_eq!(f.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(f.get("device_id").map(String::as_str), Some(DEVICE_ID));
    assert_eq!(
        f.get("state"),
        flow.param("state").as_ref(),
        "VK ID wants state"
    );
    assert!(!f.contains_key("client_secret"));
    assert!(
        !f.contains_key("type") && !f.contains_key("ext_id"),
        "only device_id is forwarded"
    );

    let ui = flow.fake.request_to("POST", USER_INFO);
    assert!(ui.header("authorization").is_none());
    assert_eq!(
        ui.header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let uf = ui.form();
    assert_eq!(
        uf.get("access_token").map(String::as_str),
        Some("vk2.a.access")
    );
    assert_eq!(uf.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_identity(
        &identity,
        json!({"provider": "vk", "id": "1234567890", "email": "ivan@example.ru", "email_verified": false, "name": "Ivan Ivanov", "given_name": "Ivan", "family_name": "Ivanov", "picture": "https://sun1-99.userapi.com/s/v1/ig2/x.jpg"}),
    );
}

#[tokio::test]
async fn vk_id_without_email_scope() {
    let flow = start().await;
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "vk2.a.access", "token_type": "Bearer", "expires_in": 3600, "user_id": 1234567890u64})));
    flow.fake.on("POST", USER_INFO, json_reply(200, json!({"user": {"user_id": "1234567890", "first_name": "Ivan", "last_name": "Ivanov", "avatar": ""}})));
    let (status, identity) = callback(&flow).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"id": "1234567890", "email": null, "email_verified": false, "picture": null}),
    );
}

#[tokio::test]
async fn vk_id_bad_verifier_is_a_provider_error() {
    let flow = start().await;
    flow.fake.on("POST", TOKEN, json_reply(400, json!({"error": "invalid_request", "error_description": "verifier is missing or invalid"})));
    let (status, body) = callback(&flow).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (502, Some("provider_error"))
    );
}

#[tokio::test]
async fn vk_id_expired_code() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        json_reply(
            400,
            json!({"error": "invalid_grant", "error_description": "code is expired"}),
        ),
    );
    let (status, body) = callback(&flow).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}
