use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://login.tidal.com/authorize";
const TOKEN: &str = "https://auth.tidal.com/v1/oauth2/token";
const ME: &str = "https://openapi.tidal.com/v2/users/me";

fn me(email_verified: bool) -> serde_json::Value {
    json!({"data": {"id": "123456789", "type": "users", "attributes": {"username": "janedoe", "country": "NO", "email": "jane@example.com", "emailVerified": email_verified, "firstName": "Jane", "lastName": "Doe"}, "links": {"self": "/users/me"}}, "links": {"self": "/users/me"}})
}

async fn start(profile: serde_json::Value) -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::tidal()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "user.read")],
        true,
        false,
    );
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "eyJraWQiOiJ2OU1GbFhqWSIsImFsZyI6IkVTMjU2In0.tidal", "token_type": "Bearer", "expires_in": 86400, "refresh_token": "eyJraWQiOiJoUzFKYTdVMCIsImFsZyI6IkVTNTEyIn0.refresh", "scope": "user.read", "user_id": 123456789})));
    flow.fake.on("GET", ME, json_reply(200, profile));
    flow
}

#[tokio::test]
async fn tidal_login_reads_the_json_api_profile() {
    let flow = start(me(true)).await;
    let identity = flow.identity().await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    let r = assert_bearer(
        &flow.fake,
        "GET",
        ME,
        "eyJraWQiOiJ2OU1GbFhqWSIsImFsZyI6IkVTMjU2In0.tidal",
    );
    assert_eq!(
        r.header("accept").as_deref(),
        Some("application/vnd.api+json")
    );
    assert_identity(
        &identity,
        json!({"provider": "tidal", "id": "123456789", "email": "jane@example.com", "email_verified": true, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "preferred_username": "janedoe"}),
    );
}

#[tokio::test]
async fn tidal_unverified_email_is_not_verified() {
    let flow = start(me(false)).await;
    let identity = flow.identity().await;
    assert_identity(
        &identity,
        json!({"email": "jane@example.com", "email_verified": false}),
    );
}

#[tokio::test]
async fn tidal_profile_without_email() {
    let mut m = me(true);
    let attrs = m["data"]["attributes"].as_object_mut().unwrap();
    attrs.remove("email");
    let flow = start(m).await;
    let identity = flow.identity().await;
    assert_identity(
        &identity,
        json!({"id": "123456789", "email": null, "email_verified": false}),
    );
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::tidal()), token: TOKEN;
    invalid_grant: 400, json!({"status": 400, "error": "invalid_grant", "sub_status": 11101, "error_description": "Authorization code is invalid or expired"});
}
