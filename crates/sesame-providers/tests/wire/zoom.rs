use serde_json::{json, Value};

use super::harness::*;

const AUTHORIZE: &str = "https://zoom.us/oauth/authorize";
const TOKEN: &str = "https://zoom.us/oauth/token";
const ME: &str = "https://api.zoom.us/v2/users/me";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::zoom()).await;
    // No scope parameter: Zoom takes the scopes from the app's configuration.
    flow.assert_authorize(AUTHORIZE, &[("client_id", CLIENT_ID)], true, false);
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0.zoom", "token_type": "bearer", "refresh_token": "eyJzdiI6IjAwMDAwMSJ9.refresh", "expires_in": 3599, "scope": "user:read:user", "api_url": "https://api.zoom.us"})));
    flow
}

fn me(extra: Value) -> Value {
    with_fields(
        json!({"id": "KDcuGIm1QgePTO8WbOqwIQ", "first_name": "Jill", "last_name": "Chill", "display_name": "Jill Chill", "type": 1, "role_name": "Owner", "pmi": 3542471135u64, "use_pmi": false, "personal_meeting_url": "https://zoom.us/j/3542471135", "timezone": "Asia/Shanghai", "verified": 1, "dept": "", "created_at": "2019-06-01T07:58:03Z", "pic_url": "https://example.com/photo.jpg", "account_id": "q6gBJVO5TzexKYTb_I2rpg", "language": "en-US", "phone_country": "US", "status": "active", "role_id": "0", "account_number": 10009239, "cluster": "us05"}),
        extra,
    )
}

#[tokio::test]
async fn zoom_login_email_never_verified() {
    let flow = start().await;
    let profile = me(json!({"email": "jchill@example.com"}));
    let identity = flow.identity_after("GET", ME, profile).await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    assert_bearer(
        &flow.fake,
        "GET",
        ME,
        "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0.zoom",
    );
    // `verified: 1` concerns the user/account, not the address.
    assert_identity(
        &identity,
        json!({"provider": "zoom", "id": "KDcuGIm1QgePTO8WbOqwIQ", "email": "jchill@example.com", "email_verified": false, "name": "Jill Chill", "given_name": "Jill", "family_name": "Chill", "picture": "https://example.com/photo.jpg", "locale": "en-US"}),
    );
}

#[tokio::test]
async fn zoom_without_email() {
    let flow = start().await;
    let identity = flow.identity_after("GET", ME, me(json!({}))).await;
    assert_identity(&identity, json!({"email": null, "email_verified": false}));
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::zoom()), token: TOKEN;
    invalid_grant: 400, json!({"reason": "Invalid authorization code", "error": "invalid_grant"});
}

#[tokio::test]
async fn zoom_profile_call_failure_fails_the_login() {
    let flow = start().await;
    flow.fake.on(
        "GET",
        ME,
        json_reply(
            401,
            json!({"code": 124, "message": "Invalid access token."}),
        ),
    );
    let got = flow.callback_error().await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
