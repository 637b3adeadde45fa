use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://www.fitbit.com/oauth2/authorize";
const TOKEN: &str = "https://api.fitbit.com/oauth2/token";
const PROFILE: &str = "https://api.fitbit.com/1/user/-/profile.json";

fn profile() -> serde_json::Value {
    json!({"user": {"encodedId": "GGNJL9", "displayName": "Jane D.", "fullName": "Jane Doe", "firstName": "Jane", "lastName": "Doe", "avatar": "https://static0.fitbit.com/images/profile/defaultProfile_100.png", "avatar150": "https://static0.fitbit.com/images/profile/defaultProfile_150.png", "avatar640": "https://static0.fitbit.com/images/profile/defaultProfile_640.png", "locale": "en_US", "timezone": "America/Los_Angeles", "memberSince": "2016-07-12"}})
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::fitbit()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "profile")],
        true,
        false,
    );
    flow
}

#[tokio::test]
async fn fitbit_login_has_no_email() {
    let flow = start().await;
    let token = json_reply(
        200,
        json!({"access_token": "eyJhbGciOiJIUzI1NiJ9.fitbit", "expires_in": 28800, "refresh_token": "c643a63c072f0f05478e9d18b991db80ef6061e4f8e6c822d83fed53e5fafdd7", "scope": "profile", "token_type": "Bearer", "user_id": "GGNJL9"}),
    );
    let identity = flow
        .identity_after_token(TOKEN, token, PROFILE, profile())
        .await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    assert_bearer(&flow.fake, "GET", PROFILE, "eyJhbGciOiJIUzI1NiJ9.fitbit");
    assert_identity(
        &identity,
        json!({"provider": "fitbit", "id": "GGNJL9", "email": null, "email_verified": false, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "preferred_username": "Jane D.", "picture": "https://static0.fitbit.com/images/profile/defaultProfile_100.png", "locale": "en_US"}),
    );
}

#[tokio::test]
async fn fitbit_profile_without_full_name_uses_the_display_name() {
    let flow = start().await;
    let token = json_reply(
        200,
        json!({"access_token": "t", "token_type": "Bearer", "user_id": "GGNJL9"}),
    );
    let mut p = profile();
    for k in ["fullName", "firstName", "lastName"] {
        p["user"].as_object_mut().unwrap().remove(k);
    }
    let identity = flow.identity_after_token(TOKEN, token, PROFILE, p).await;
    assert_identity(
        &identity,
        json!({"id": "GGNJL9", "name": "Jane D.", "given_name": null, "email": null, "email_verified": false}),
    );
}

common_cases! {
    start: start(), token: TOKEN;
    // Fitbit's `errors` list: a refused code is the browser's 400, as with RFC 6749's `error`.
    invalid_grant: 400, json!({"errors": [{"errorType": "invalid_grant", "message": "Authorization code invalid: 5ac2b0b5. Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process."}], "success": false});
}
