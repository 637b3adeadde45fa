use serde_json::json;

use super::super::harness::*;

const AUTHORIZE: &str = "https://www.instagram.com/oauth/authorize";
const TOKEN: &str = "https://api.instagram.com/oauth/access_token";
const ME: &str = "https://graph.instagram.com/v22.0/me";

async fn start() -> Flow {
    let flow = Flow::start(
        sesame_providers::instagram(),
        Secret::Static(CLIENT_SECRET),
        |_| {},
    )
    .await;
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
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "IGAAxxxxShortLived", "user_id": 17841405793187218u64, "permissions": "instagram_business_basic"})));
    flow.fake.on("GET", ME, json_reply(200, json!({"user_id": "17841405793187218", "username": "acme_shop", "name": "Acme Shop", "account_type": "BUSINESS", "profile_picture_url": "https://scontent.cdninstagram.com/v/t51.2885-19/x.jpg", "id": "7590918264294987"})));
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
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
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "IGAAx", "user_id": 17841405793187218u64, "permissions": "instagram_business_basic"})));
    flow.fake.on(
        "GET",
        ME,
        json_reply(
            200,
            json!({"username": "acme_shop", "id": "7590918264294987"}),
        ),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"id": "17841405793187218", "preferred_username": "acme_shop"}),
    );
}

#[tokio::test]
async fn instagram_token_error_is_a_provider_error() {
    let flow = start().await;
    flow.fake.on("POST", TOKEN, json_reply(400, json!({"error_type": "OAuthException", "code": 400, "error_message": "Invalid authorization code"})));
    let (status, body) = flow.callback(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (502, Some("provider_error"))
    );
}
