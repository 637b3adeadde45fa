use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://accounts.spotify.com/authorize";
const TOKEN: &str = "https://accounts.spotify.com/api/token";
const ME: &str = "https://api.spotify.com/v1/me";

fn me() -> serde_json::Value {
    json!({"country": "SE", "display_name": "JM Wizzler", "email": "email@example.com", "explicit_content": {"filter_enabled": false, "filter_locked": false}, "external_urls": {"spotify": "https://open.spotify.com/user/wizzler"}, "followers": {"href": null, "total": 3829}, "href": "https://api.spotify.com/v1/users/wizzler", "id": "wizzler", "images": [{"url": "https://i.scdn.co/image/ab67616d00001e02ff9ca10b55ce82ae553c8228", "height": 300, "width": 300}], "product": "premium", "type": "user", "uri": "spotify:user:wizzler"})
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::spotify()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "user-read-email")],
        true,
        false,
    );
    flow
}

#[tokio::test]
async fn spotify_login_never_verifies_the_email() {
    let flow = start().await;
    let token = json_reply(
        200,
        json!({"access_token": "NgCXRKc...MzYjw", "token_type": "Bearer", "scope": "user-read-email", "expires_in": 3600, "refresh_token": "NgAagA...Um_SHo"}),
    );
    let identity = flow.identity_after_token(TOKEN, token, ME, me()).await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    assert_bearer(&flow.fake, "GET", ME, "NgCXRKc...MzYjw");
    assert_identity(
        &identity,
        json!({"provider": "spotify", "id": "wizzler", "email": "email@example.com", "email_verified": false, "name": "JM Wizzler", "picture": "https://i.scdn.co/image/ab67616d00001e02ff9ca10b55ce82ae553c8228"}),
    );
}

#[tokio::test]
async fn spotify_profile_without_email_or_images() {
    let flow = start().await;
    let token = json_reply(200, json!({"access_token": "t", "token_type": "Bearer"}));
    let mut m = me();
    m.as_object_mut().unwrap().remove("email");
    m["images"] = json!([]);
    m["display_name"] = json!(null);
    let identity = flow.identity_after_token(TOKEN, token, ME, m).await;
    assert_identity(
        &identity,
        json!({"id": "wizzler", "email": null, "email_verified": false, "name": null, "picture": null}),
    );
}

common_cases! {
    start: start(), token: TOKEN;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Invalid authorization code"});
}
