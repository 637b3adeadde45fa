use serde_json::{json, Value};

use super::harness::*;

const AUTHORIZE: &str = "https://www.patreon.com/oauth2/authorize";
const TOKEN: &str = "https://www.patreon.com/api/oauth2/token";
const IDENTITY: &str = "https://www.patreon.com/api/oauth2/v2/identity";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::patreon()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "identity identity[email]"),
        ],
        false,
        false,
    );
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "Gl7bH0sd6NQ0TLpVztDsvHWh1n5Ynp", "refresh_token": "2rGNvuRrgyVrW9TuPzTZvx8lyVFVF8", "expires_in": 2678400, "scope": "identity identity[email]", "token_type": "Bearer"})));
    flow
}

fn identity(attributes: Value) -> Value {
    json!({"data": {"attributes": attributes, "id": "12345", "type": "user"}, "links": {"self": "https://www.patreon.com/api/oauth2/v2/user/12345"}})
}

#[tokio::test]
async fn patreon_login_requests_sparse_fields() {
    let flow = start().await;
    let profile = identity(
        json!({"email": "corgi@example.com", "first_name": "Corgi", "full_name": "Corgi The Dev", "last_name": "The Dev", "image_url": "https://c8.patreon.com/2/200/12345", "is_email_verified": true}),
    );
    let who = flow.identity_after("GET", IDENTITY, profile).await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    let r = assert_bearer(
        &flow.fake,
        "GET",
        IDENTITY,
        "Gl7bH0sd6NQ0TLpVztDsvHWh1n5Ynp",
    );
    assert_eq!(
        r.query_map().get("fields[user]").map(String::as_str),
        Some("email,first_name,full_name,image_url,is_email_verified,last_name")
    );
    assert_identity(
        &who,
        json!({"provider": "patreon", "id": "12345", "email": "corgi@example.com", "email_verified": true, "name": "Corgi The Dev", "given_name": "Corgi", "family_name": "The Dev", "picture": "https://c8.patreon.com/2/200/12345"}),
    );
}

#[tokio::test]
async fn patreon_unverified_email() {
    let flow = start().await;
    let profile = identity(
        json!({"email": "corgi@example.com", "full_name": "Corgi The Dev", "is_email_verified": false}),
    );
    let who = flow.identity_after("GET", IDENTITY, profile).await;
    assert_identity(
        &who,
        json!({"email": "corgi@example.com", "email_verified": false}),
    );
}

#[tokio::test]
async fn patreon_without_email_scope() {
    let flow = start().await;
    let profile = identity(json!({"full_name": "Corgi The Dev"}));
    let who = flow.identity_after("GET", IDENTITY, profile).await;
    assert_identity(
        &who,
        json!({"id": "12345", "email": null, "email_verified": false}),
    );
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::patreon()), token: TOKEN;
    invalid_grant: 400, json!({"error": "invalid_grant"});
}
