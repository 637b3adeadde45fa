use serde_json::{json, Value};

use super::harness::*;

const AUTHORIZE: &str = "https://account.box.com/api/oauth2/authorize";
const TOKEN: &str = "https://api.box.com/oauth2/token";
const ME: &str = "https://api.box.com/2.0/users/me";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::r#box()).await;
    // No scope parameter: Box takes the scopes from the app's configuration.
    flow.assert_authorize(AUTHORIZE, &[("client_id", CLIENT_ID)], false, false);
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "c3FIOG9vSGV4VHo4QzAyg5T1JvNnJoZ3ExaVNyQWw6WjRsanRKZG5lQk9qUE1BVQ", "expires_in": 3600, "token_type": "bearer", "refresh_token": "c3FIOG9vSGV4VHo4QzAyg5T1JvNnJoZ3ExaVNyQWw6WjRsanRKZG5lQk9qUE1BVR", "issued_token_type": "urn:ietf:params:oauth:token-type:access_token", "restricted_to": []})));
    flow
}

fn me(login: Value) -> Value {
    json!({"id": "11446498", "type": "user", "name": "Aaron Levie", "login": login, "created_at": "2012-12-12T10:53:43-08:00", "language": "en", "timezone": "Africa/Bujumbura", "space_amount": 11345156112u64, "status": "active", "job_title": "CEO", "avatar_url": "https://www.box.com/api/avatar/large/181216415", "notification_email": {"email": "notifications@example.com", "is_confirmed": true}})
}

#[tokio::test]
async fn box_login_email_is_the_unverified_login() {
    let flow = start().await;
    let identity = flow
        .identity_after("GET", ME, me(json!("ceo@example.com")))
        .await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    assert_bearer(
        &flow.fake,
        "GET",
        ME,
        "c3FIOG9vSGV4VHo4QzAyg5T1JvNnJoZ3ExaVNyQWw6WjRsanRKZG5lQk9qUE1BVQ",
    );
    // notification_email.is_confirmed concerns another address.
    assert_identity(
        &identity,
        json!({"provider": "box", "id": "11446498", "email": "ceo@example.com", "email_verified": false, "name": "Aaron Levie", "picture": "https://www.box.com/api/avatar/large/181216415", "locale": "en"}),
    );
}

#[tokio::test]
async fn box_without_email() {
    let flow = start().await;
    let identity = flow.identity_after("GET", ME, me(Value::Null)).await;
    assert_identity(&identity, json!({"email": null, "email_verified": false}));
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::r#box()), token: TOKEN;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Auth code doesn't exist or is invalid for the client"});
}
