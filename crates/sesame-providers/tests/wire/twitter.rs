use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://x.com/i/oauth2/authorize";
const TOKEN: &str = "https://api.x.com/2/oauth2/token";
const ME: &str = "https://api.x.com/2/users/me";

fn me() -> serde_json::Value {
    json!({"data": {"id": "2244994945", "name": "X Developers", "username": "XDevelopers", "profile_image_url": "https://pbs.twimg.com/profile_images/1354494203451961345/d8HkZl6p_normal.jpg", "confirmed_email": "dev@example.com"}})
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::twitter()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "tweet.read users.read users.email"),
        ],
        true,
        false,
    );
    flow
}

#[tokio::test]
async fn twitter_login_with_pkce_and_confirmed_email() {
    let flow = start().await;
    let token = json_reply(
        200,
        json!({"token_type": "bearer", "expires_in": 7200, "access_token": "VGNibzFWSWJMN2ZxYjM0bjBZa3", "scope": "tweet.read users.read users.email"}),
    );
    let identity = flow.identity_after_token(TOKEN, token, ME, me()).await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    let r = assert_bearer(&flow.fake, "GET", ME, "VGNibzFWSWJMN2ZxYjM0bjBZa3");
    assert_eq!(
        r.query_map().get("user.fields").map(String::as_str),
        Some("profile_image_url,confirmed_email")
    );
    assert_identity(
        &identity,
        json!({"provider": "twitter", "id": "2244994945", "email": "dev@example.com", "email_verified": true, "name": "X Developers", "preferred_username": "XDevelopers", "picture": "https://pbs.twimg.com/profile_images/1354494203451961345/d8HkZl6p_normal.jpg"}),
    );
}

#[tokio::test]
async fn twitter_without_email() {
    let flow = start().await;
    let token = json_reply(200, json!({"token_type": "bearer", "access_token": "t"}));
    let mut m = me();
    m["data"].as_object_mut().unwrap().remove("confirmed_email");
    let identity = flow.identity_after_token(TOKEN, token, ME, m).await;
    assert_identity(
        &identity,
        json!({"id": "2244994945", "email": null, "email_verified": false}),
    );
}

#[tokio::test]
async fn twitter_token_error() {
    let flow = start().await;
    let error = json!({"error": "invalid_request", "error_description": "Value passed for the authorization code was invalid."});
    let got = flow.token_error(TOKEN, 400, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
