use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://kauth.kakao.com/oauth/authorize";
const TOKEN: &str = "https://kauth.kakao.com/oauth/token";
const ME: &str = "https://kapi.kakao.com/v2/user/me";

fn user() -> serde_json::Value {
    json!({"id": 123456789, "connected_at": "2022-04-11T01:45:28Z", "properties": {"nickname": "홍길동", "profile_image": "http://k.kakaocdn.net/dn/abc/img_640x640.jpg", "thumbnail_image": "http://k.kakaocdn.net/dn/abc/img_110x110.jpg"}, "kakao_account": {"profile_nickname_needs_agreement": false, "profile_image_needs_agreement": false, "profile": {"nickname": "홍길동", "thumbnail_image_url": "http://yyy.kakao.com/dn/abc/img_110x110.jpg", "profile_image_url": "http://yyy.kakao.com/dn/abc/img_640x640.jpg", "is_default_image": false}, "email_needs_agreement": false, "is_email_valid": true, "is_email_verified": true, "email": "sample@sample.com"}})
}

async fn start(secret: Secret, user: serde_json::Value) -> Flow {
    let flow = Flow::start(sesame_providers::kakao(), secret, |_| {}).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "profile_nickname,profile_image,account_email"),
        ],
        true,
        false,
    );
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"token_type": "bearer", "access_token": "kakao-access-token", "expires_in": 21599, "refresh_token": "kakao-refresh", "refresh_token_expires_in": 5183999, "scope": "account_email profile_image profile_nickname"})));
    flow.fake.on("GET", ME, json_reply(200, user));
    flow
}

#[tokio::test]
async fn kakao_login_with_valid_verified_email() {
    let flow = start(Secret::Static(CLIENT_SECRET), user()).await;
    let identity = flow.identity().await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    assert_bearer(&flow.fake, "GET", ME, "kakao-access-token");
    assert_identity(
        &identity,
        json!({"provider": "kakao", "id": "123456789", "email": "sample@sample.com", "email_verified": true, "name": "홍길동", "preferred_username": "홍길동", "picture": "http://yyy.kakao.com/dn/abc/img_640x640.jpg"}),
    );
}

#[tokio::test]
async fn kakao_verified_but_invalid_email_is_not_verified() {
    let mut u = user();
    u["kakao_account"]["is_email_valid"] = json!(false);
    let flow = start(Secret::Static(CLIENT_SECRET), u).await;
    let identity = flow.identity().await;
    assert_identity(
        &identity,
        json!({"email": "sample@sample.com", "email_verified": false}),
    );
}

#[tokio::test]
async fn kakao_without_email_consent_and_without_client_secret() {
    let mut u = user();
    let account = u["kakao_account"].as_object_mut().unwrap();
    account.remove("email");
    account.remove("is_email_valid");
    account.remove("is_email_verified");
    account.insert("email_needs_agreement".into(), json!(true));
    let flow = start(Secret::Public, u).await;
    let identity = flow.identity().await;
    // "Client Secret" off in the console: only the REST API key is sent.
    let r = flow.token_request(TOKEN);
    assert!(r.header("authorization").is_none());
    assert_eq!(
        r.form().get("client_id").map(String::as_str),
        Some(CLIENT_ID)
    );
    assert!(!r.form().contains_key("client_secret"));
    assert_identity(
        &identity,
        json!({"id": "123456789", "email": null, "email_verified": false}),
    );
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::kakao()), token: TOKEN;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "authorization code not found for code=test-code", "error_code": "KOE320"});
}
