use serde_json::{json, Value};

use super::harness::*;

const AUTHORIZE: &str = "https://www.paypal.com/signin/authorize";
const TOKEN: &str = "https://api-m.paypal.com/v1/oauth2/token";
const USERINFO: &str = "https://api-m.paypal.com/v1/identity/oauth2/userinfo";
const USER_ID: &str =
    "https://www.paypal.com/webapps/auth/identity/user/mWq6_1sU85v5EG9yHdPxJRrhGHrnMJ-1PQKtX6pcsmA";

async fn start(provider: sesame_core::provider::Provider, authorize: &str, token: &str) -> Flow {
    let flow = Flow::start_with_secret(provider).await;
    flow.assert_authorize(authorize, OPENID_EMAIL_PROFILE, false, false);
    flow.fake.on("POST", token, json_reply(200, json!({"scope": "openid email profile", "access_token": "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJYE8ovjj68elIDy8nF26AwPhfXTIeWAZHSLIsQkSYz9ifg", "token_type": "Bearer", "expires_in": 28800, "refresh_token": "R23AAFO8gvg3aQkxyTGE5Wv", "nonce": "2024-01-01T00:00:00Zx", "id_token": "eyJraWQiOiJwYXlwYWwifQ.eyJzdWIiOiJ4In0.c2ln"})));
    flow
}

fn userinfo(emails: Value) -> Value {
    json!({"user_id": USER_ID, "name": "identity test", "given_name": "identity", "family_name": "test", "payer_id": "WDJJHEBZ4X2LY", "address": {"street_address": "1 Main St", "locality": "San Jose", "region": "CA", "postal_code": "95131", "country": "US"}, "verified_account": "true", "emails": emails})
}

#[tokio::test]
async fn paypal_login_primary_confirmed_email() {
    let flow = start(sesame_providers::paypal(), AUTHORIZE, TOKEN).await;
    let info = userinfo(json!([
        {"value": "old@example.com", "primary": false, "confirmed": true},
        {"value": "user1@example.com", "primary": true, "confirmed": true},
    ]));
    let identity = flow.identity_after("GET", USERINFO, info).await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    let r = assert_bearer(&flow.fake, "GET", USERINFO, "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJYE8ovjj68elIDy8nF26AwPhfXTIeWAZHSLIsQkSYz9ifg");
    assert_eq!(r.query.as_deref(), Some("schema=paypalv1.1"));
    assert_identity(
        &identity,
        json!({"provider": "paypal", "id": USER_ID, "email": "user1@example.com", "email_verified": true, "name": "identity test", "given_name": "identity", "family_name": "test"}),
    );
}

#[tokio::test]
async fn paypal_unconfirmed_primary_email_with_string_booleans() {
    let flow = start(sesame_providers::paypal(), AUTHORIZE, TOKEN).await;
    let info =
        userinfo(json!([{"value": "user1@example.com", "primary": "true", "confirmed": "false"}]));
    let identity = flow.identity_after("GET", USERINFO, info).await;
    assert_identity(
        &identity,
        json!({"email": "user1@example.com", "email_verified": false}),
    );
}

#[tokio::test]
async fn paypal_without_email() {
    let flow = start(sesame_providers::paypal(), AUTHORIZE, TOKEN).await;
    let identity = flow
        .identity_after("GET", USERINFO, userinfo(json!([])))
        .await;
    assert_identity(
        &identity,
        json!({"id": USER_ID, "email": null, "email_verified": false}),
    );
}

#[tokio::test]
async fn paypal_sandbox_hosts() {
    let token = "https://api-m.sandbox.paypal.com/v1/oauth2/token";
    let userinfo_url = "https://api-m.sandbox.paypal.com/v1/identity/oauth2/userinfo";
    let flow = start(
        sesame_providers::paypal_sandbox(),
        "https://www.sandbox.paypal.com/signin/authorize",
        token,
    )
    .await;
    let info =
        userinfo(json!([{"value": "buyer@example.com", "primary": true, "confirmed": true}]));
    let identity = flow.identity_after("GET", userinfo_url, info).await;
    Flow::assert_basic(&flow.token_request(token));
    assert_identity(
        &identity,
        json!({"provider": "paypal", "email": "buyer@example.com", "email_verified": true}),
    );
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::paypal()), token: TOKEN;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Invalid authorization code"});
}
