use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://www.reddit.com/api/v1/authorize";
const TOKEN: &str = "https://www.reddit.com/api/v1/access_token";
const ME: &str = "https://oauth.reddit.com/api/v1/me";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::reddit()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "identity"),
            ("duration", "permanent"),
        ],
        false,
        false,
    );
    flow
}

#[tokio::test]
async fn reddit_login_without_email() {
    let flow = start().await;
    let token = json_reply(
        200,
        json!({"access_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IlNIQTI1NjpzS3dsMnlsV0VtMjVmcXhwTU40cWY4MXE2OWFFdWFyMnpLMUdhVGxjdWNZIiwidHlwIjoiSldUIn0.reddit", "token_type": "bearer", "expires_in": 86400, "refresh_token": "157279185734-bT8AQd8YJ7TgNNLl0fbbX0vR8Kk", "scope": "identity"}),
    );
    let profile = json!({"id": "abc12", "name": "example_user", "icon_img": "https://styles.redditmedia.com/t5_xxxxx/styles/profileIcon_yyyy.png?width=256&amp;height=256&amp;crop=256:256,smart&amp;s=zzz", "snoovatar_img": "", "created_utc": 1500000000.0, "has_verified_email": true, "verified": true, "is_employee": false, "over_18": false, "total_karma": 1234, "link_karma": 1000, "comment_karma": 234, "subreddit": {"display_name_prefixed": "u/example_user", "public_description": ""}});
    let identity = flow.identity_after_token(TOKEN, token, ME, profile).await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    let me = assert_bearer(&flow.fake, "GET", ME, "eyJhbGciOiJSUzI1NiIsImtpZCI6IlNIQTI1NjpzS3dsMnlsV0VtMjVmcXhwTU40cWY4MXE2OWFFdWFyMnpLMUdhVGxjdWNZIiwidHlwIjoiSldUIn0.reddit");
    assert!(me
        .header("user-agent")
        .is_some_and(|u| u.starts_with("sesame/")));
    // has_verified_email is not an address: no email, never verified.
    assert_identity(
        &identity,
        json!({"provider": "reddit", "id": "abc12", "email": null, "email_verified": false, "name": "example_user", "preferred_username": "example_user", "picture": "https://styles.redditmedia.com/t5_xxxxx/styles/profileIcon_yyyy.png?width=256&height=256&crop=256:256,smart&s=zzz"}),
    );
}

common_cases! {
    start: start(), token: TOKEN;
    // The error arrives in a 200 response.
    invalid_grant: 200, json!({"error": "invalid_grant"});
}

#[tokio::test]
async fn reddit_bad_client_credentials_are_a_provider_error() {
    let flow = start().await;
    let error = json!({"message": "Unauthorized", "error": 401});
    let got = flow.token_error(TOKEN, 401, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
