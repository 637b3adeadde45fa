use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://www.facebook.com/v23.0/dialog/oauth";
const TOKEN: &str = "https://graph.facebook.com/v23.0/oauth/access_token";
const ME: &str = "https://graph.facebook.com/v23.0/me";

fn me() -> serde_json::Value {
    json!({"id": "10153255542521746", "name": "Jane Doe", "email": "jane@example.com", "first_name": "Jane", "last_name": "Doe", "picture": {"data": {"height": 50, "is_silhouette": false, "url": "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10153255542521746&height=50&width=50", "width": 50}}})
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::facebook()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "email,public_profile")],
        true,
        false,
    );
    flow
}

#[tokio::test]
async fn facebook_login_reads_graph_me_and_never_verifies_the_email() {
    let flow = start().await;
    let token = json_reply(
        200,
        json!({"access_token": "EAAGm0PX4ZCpsBA", "token_type": "bearer", "expires_in": 5183944}),
    );
    let identity = flow.identity_after_token(TOKEN, token, ME, me()).await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    let r = assert_bearer(&flow.fake, "GET", ME, "EAAGm0PX4ZCpsBA");
    assert_eq!(
        r.query_map().get("fields").map(String::as_str),
        Some("id,name,email,first_name,last_name,picture")
    );
    // hex(HMAC-SHA256("client-secret", token)), computed independently with Python's hmac.
    assert_eq!(
        r.query_map().get("appsecret_proof").map(String::as_str),
        Some("70e0f90642d222cc4afd3fb06da9bd95f48b282a71b4c83b2626eecef6007fab")
    );
    assert_identity(
        &identity,
        json!({"provider": "facebook", "id": "10153255542521746", "email": "jane@example.com", "email_verified": false, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "picture": "https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=10153255542521746&height=50&width=50"}),
    );
}

#[tokio::test]
async fn facebook_graph_error_from_the_token_endpoint() {
    let flow = start().await;
    let error = json!({"error": {"message": "This authorization code has expired.", "type": "OAuthException", "code": 100, "fbtrace_id": "AbCdEf"}});
    let got = flow.token_error(TOKEN, 400, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}

#[tokio::test]
async fn facebook_profile_without_email() {
    let flow = start().await;
    let token = json_reply(200, json!({"access_token": "t", "token_type": "bearer"}));
    let mut m = me();
    m.as_object_mut().unwrap().remove("email");
    let identity = flow.identity_after_token(TOKEN, token, ME, m).await;
    assert_identity(
        &identity,
        json!({"id": "10153255542521746", "email": null, "email_verified": false}),
    );
}
