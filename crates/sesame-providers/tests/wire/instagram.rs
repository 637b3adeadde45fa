use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://www.instagram.com/oauth/authorize";
const TOKEN: &str = "https://api.instagram.com/oauth/access_token";
const ME: &str = "https://graph.instagram.com/v22.0/me";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::instagram()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "instagram_business_basic"),
        ],
        false,
        false,
    );
    flow
}

#[tokio::test]
async fn instagram_business_login_token_in_query() {
    let flow = start().await;
    // user_id is a JSON number above 2^53: it must be stringified exactly.
    let token = json_reply(
        200,
        json!({"access_token": "IGAAxxxxShortLived", "user_id": 17841405793187218u64, "permissions": "instagram_business_basic"}),
    );
    let profile = json!({"user_id": "17841405793187218", "username": "acme_shop", "name": "Acme Shop", "account_type": "BUSINESS", "profile_picture_url": "https://scontent.cdninstagram.com/v/t51.2885-19/x.jpg", "id": "7590918264294987"});
    let identity = flow.identity_after_token(TOKEN, token, ME, profile).await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    let me = flow.fake.request_to("GET", ME);
    assert!(me.header("authorization").is_none());
    let q = me.query_map();
    assert_eq!(
        q.get("access_token").map(String::as_str),
        Some("IGAAxxxxShortLived")
    );
    assert_eq!(
        q.get("fields").map(String::as_str),
        Some("user_id,username,name,account_type,profile_picture_url")
    );
    assert_identity(
        &identity,
        json!({"provider": "instagram", "id": "17841405793187218", "email": null, "email_verified": false, "name": "Acme Shop", "preferred_username": "acme_shop", "picture": "https://scontent.cdninstagram.com/v/t51.2885-19/x.jpg"}),
    );
}

#[tokio::test]
async fn instagram_id_falls_back_to_the_token_user_id() {
    let flow = start().await;
    let token = json_reply(
        200,
        json!({"access_token": "IGAAx", "user_id": 17841405793187218u64, "permissions": "instagram_business_basic"}),
    );
    let profile = json!({"username": "acme_shop", "id": "7590918264294987"});
    let identity = flow.identity_after_token(TOKEN, token, ME, profile).await;
    assert_identity(
        &identity,
        json!({"id": "17841405793187218", "preferred_username": "acme_shop"}),
    );
}

#[tokio::test]
async fn instagram_token_wrapped_in_data() {
    let flow = start().await;
    let token = json_reply(
        200,
        json!({"data": [{"access_token": "IGAAwrapped", "user_id": "17841405793187218", "permissions": "instagram_business_basic"}]}),
    );
    let profile = json!({"username": "acme_shop", "id": "7590918264294987"});
    let identity = flow.identity_after_token(TOKEN, token, ME, profile).await;
    let me = flow.fake.request_to("GET", ME);
    assert_eq!(
        me.query_map().get("access_token").map(String::as_str),
        Some("IGAAwrapped")
    );
    assert_identity(
        &identity,
        json!({"id": "17841405793187218", "preferred_username": "acme_shop"}),
    );
}

#[tokio::test]
async fn instagram_token_error_is_a_provider_error() {
    let flow = start().await;
    let error = json!({"error_type": "OAuthException", "code": 400, "error_message": "Invalid authorization code"});
    let got = flow.token_error(TOKEN, 400, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
