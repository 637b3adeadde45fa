use serde_json::{json, Value};

use super::harness::*;

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

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "The authorization code is invalid or has expired."});
    without_email: |flow| token_reply(&flow, json!({})),
        json!({"sub": SUB, "name": "John Doe", "preferred_username": "jdoe"})
        => json!({"id": SUB, "preferred_username": "jdoe"});
    unverified_email: |flow| token_reply(&flow, json!({})),
        json!({"sub": SUB, "email": "john.doe@example.com", "email_verified": false})
        => "john.doe@example.com";
}
