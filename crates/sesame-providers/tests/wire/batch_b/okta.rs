use serde_json::{json, Value};

use super::super::harness::*;
use super::Oidc;

const OP: Oidc = Oidc {
    issuer: "https://dev-123456.okta.com/oauth2/default",
    authorize: "https://dev-123456.okta.com/oauth2/default/v1/authorize",
    token: "https://dev-123456.okta.com/oauth2/default/v1/token",
    userinfo: "https://dev-123456.okta.com/oauth2/default/v1/userinfo",
    jwks: "https://dev-123456.okta.com/oauth2/default/v1/keys",
};
const SUB: &str = "00uid4BxXw6I6TV4m0g3";

async fn start() -> Flow {
    let flow = Flow::start(
        sesame_providers::okta("https://dev-123456.okta.com/oauth2/default"),
        Secret::Static(CLIENT_SECRET),
        |f| OP.serve(f),
    )
    .await;
    flow.assert_authorize(
        OP.authorize,
        &[("client_id", CLIENT_ID), ("scope", "openid email profile")],
        true,
        true,
    );
    flow
}

fn token_reply(flow: &Flow, extra: Value) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(OP.issuer, SUB, extra));
    json_reply(
        200,
        json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "eyJraWQiOiJhY2Nlc3MifQ.x.y", "scope": "openid email profile", "id_token": id_token}),
    )
}

#[tokio::test]
async fn okta_login_custom_authorization_server() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        OP.token,
        token_reply(&flow, json!({"preferred_username": "john.doe@example.com"})),
    );
    flow.fake.on("GET", OP.userinfo, json_reply(200, json!({"sub": SUB, "name": "John Doe", "nickname": "Jimmy", "given_name": "John", "middle_name": "James", "family_name": "Doe", "profile": "https://example.com/john.doe", "zoneinfo": "America/Los_Angeles", "locale": "en-US", "updated_at": 1311280970, "email": "john.doe@example.com", "email_verified": true, "preferred_username": "john.doe@example.com"})));
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    Flow::assert_basic(&flow.token_request(OP.token));
    assert_bearer(&flow.fake, "GET", OP.userinfo, "eyJraWQiOiJhY2Nlc3MifQ.x.y");
    assert_identity(
        &identity,
        json!({"provider": "okta", "id": SUB, "email": "john.doe@example.com", "email_verified": true, "name": "John Doe", "given_name": "John", "family_name": "Doe", "preferred_username": "john.doe@example.com", "picture": null, "locale": "en-US"}),
    );
}

#[tokio::test]
async fn okta_invalid_grant() {
    let flow = start().await;
    flow.fake.on("POST", OP.token, json_reply(400, json!({"error": "invalid_grant", "error_description": "The authorization code is invalid or has expired."})));
    let (status, body) = flow.callback(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn okta_without_email() {
    let flow = start().await;
    flow.fake
        .on("POST", OP.token, token_reply(&flow, json!({})));
    flow.fake.on(
        "GET",
        OP.userinfo,
        json_reply(
            200,
            json!({"sub": SUB, "name": "John Doe", "preferred_username": "jdoe"}),
        ),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"id": SUB, "email": null, "email_verified": false, "preferred_username": "jdoe"}),
    );
}

#[tokio::test]
async fn okta_unverified_email() {
    let flow = start().await;
    flow.fake
        .on("POST", OP.token, token_reply(&flow, json!({})));
    flow.fake.on(
        "GET",
        OP.userinfo,
        json_reply(
            200,
            json!({"sub": SUB, "email": "john.doe@example.com", "email_verified": false}),
        ),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"email": "john.doe@example.com", "email_verified": false}),
    );
}
