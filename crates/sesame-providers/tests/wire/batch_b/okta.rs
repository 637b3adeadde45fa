use serde_json::{json, Value};

use super::super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://dev-123456.okta.com/oauth2/default",
    authorize: "https://dev-123456.okta.com/oauth2/default/v1/authorize",
    token: "https://dev-123456.okta.com/oauth2/default/v1/token",
    userinfo: "https://dev-123456.okta.com/oauth2/default/v1/userinfo",
    jwks: "https://dev-123456.okta.com/oauth2/default/v1/keys",
};
const SUB: &str = "00uid4BxXw6I6TV4m0g3";

async fn start() -> Flow {
    let provider = sesame_providers::okta("https://dev-123456.okta.com/oauth2/default");
    OP.start(provider, OPENID_EMAIL_PROFILE, true).await
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
    let token = token_reply(&flow, json!({"preferred_username": "john.doe@example.com"}));
    let info = json!({"sub": SUB, "name": "John Doe", "nickname": "Jimmy", "given_name": "John", "middle_name": "James", "family_name": "Doe", "profile": "https://example.com/john.doe", "zoneinfo": "America/Los_Angeles", "locale": "en-US", "updated_at": 1311280970, "email": "john.doe@example.com", "email_verified": true, "preferred_username": "john.doe@example.com"});
    let identity = flow
        .identity_after_token(OP.token, token, OP.userinfo, info)
        .await;
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
    let error = json!({"error": "invalid_grant", "error_description": "The authorization code is invalid or has expired."});
    let got = flow.token_error(OP.token, 400, error).await;
    assert_eq!(got, (400, Some("invalid_grant".into())));
}

#[tokio::test]
async fn okta_without_email() {
    let flow = start().await;
    let info = json!({"sub": SUB, "name": "John Doe", "preferred_username": "jdoe"});
    let identity = flow
        .identity_after_token(OP.token, token_reply(&flow, json!({})), OP.userinfo, info)
        .await;
    assert_identity(
        &identity,
        json!({"id": SUB, "email": null, "email_verified": false, "preferred_username": "jdoe"}),
    );
}

#[tokio::test]
async fn okta_unverified_email() {
    let flow = start().await;
    let info = json!({"sub": SUB, "email": "john.doe@example.com", "email_verified": false});
    let identity = flow
        .identity_after_token(OP.token, token_reply(&flow, json!({})), OP.userinfo, info)
        .await;
    assert_identity(
        &identity,
        json!({"email": "john.doe@example.com", "email_verified": false}),
    );
}
