use serde_json::{json, Value};

use super::harness::*;

const AUTHORIZE: &str = "https://auth.atlassian.com/authorize";
const TOKEN: &str = "https://auth.atlassian.com/oauth/token";
const ME: &str = "https://api.atlassian.com/me";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::atlassian()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "read:me"),
            ("audience", "api.atlassian.com"),
            ("prompt", "consent"),
        ],
        false,
        false,
    );
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "eyJraWQiOiJhdGxhc3NpYW4ifQ.at.sig", "expires_in": 3600, "token_type": "Bearer", "scope": "read:me"})));
    flow
}

fn me(extra: Value) -> Value {
    with_fields(
        json!({"account_type": "atlassian", "account_id": "112233aa-bb11-cc22-33dd-445566abcabc", "name": "Mia Krystof", "picture": "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/112233aa/1234abcd", "account_status": "active", "nickname": "mkrystof", "zoneinfo": "Australia/Sydney", "locale": "en-US", "extended_profile": {"job_title": "Designer", "organization": "mia@example.com", "department": "Design team", "location": "Sydney"}}),
        extra,
    )
}

#[tokio::test]
async fn atlassian_login_with_audience_and_consent() {
    let flow = start().await;
    let profile = me(json!({"email": "mia@example.com", "email_verified": true}));
    let identity = flow.identity_after("GET", ME, profile).await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    assert_bearer(&flow.fake, "GET", ME, "eyJraWQiOiJhdGxhc3NpYW4ifQ.at.sig");
    assert_identity(
        &identity,
        json!({"provider": "atlassian", "id": "112233aa-bb11-cc22-33dd-445566abcabc", "email": "mia@example.com", "email_verified": true, "name": "Mia Krystof", "preferred_username": "mkrystof", "picture": "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/112233aa/1234abcd", "locale": "en-US"}),
    );
}

#[tokio::test]
async fn atlassian_unverified_email() {
    let flow = start().await;
    let profile = me(json!({"email": "mia@example.com", "email_verified": false}));
    let identity = flow.identity_after("GET", ME, profile).await;
    assert_identity(
        &identity,
        json!({"email": "mia@example.com", "email_verified": false}),
    );
}

#[tokio::test]
async fn atlassian_hidden_email() {
    let flow = start().await;
    let identity = flow.identity_after("GET", ME, me(json!({}))).await;
    assert_identity(&identity, json!({"email": null, "email_verified": false}));
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::atlassian()), token: TOKEN;
    invalid_grant: 403, json!({"error": "invalid_grant", "error_description": "Invalid authorization code"});
}
