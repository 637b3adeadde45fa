use serde_json::{json, Value};

use super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://dev-123.us.auth0.com/",
    authorize: "https://dev-123.us.auth0.com/authorize",
    token: "https://dev-123.us.auth0.com/oauth/token",
    userinfo: "https://dev-123.us.auth0.com/userinfo",
    jwks: "https://dev-123.us.auth0.com/.well-known/jwks.json",
};
const SUB: &str = "auth0|5f7c8ec7c33c6c004bbafe82";

async fn start() -> Flow {
    let provider = sesame_providers::auth0("https://dev-123.us.auth0.com");
    OP.start(provider, OPENID_EMAIL_PROFILE, true).await
}

fn token_reply(flow: &Flow, extra: Value) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(OP.issuer, SUB, extra));
    json_reply(
        200,
        json!({"access_token": "eyJhbGciOiJkaXIi.opaque", "id_token": id_token, "scope": "openid profile email", "expires_in": 86400, "token_type": "Bearer"}),
    )
}

#[tokio::test]
async fn auth0_login_with_trailing_slash_issuer() {
    let flow = start().await;
    let token = token_reply(
        &flow,
        json!({"email": "janedoe@example.com", "email_verified": true}),
    );
    let info = json!({"sub": SUB, "name": "Jane Josephine Doe", "given_name": "Jane", "family_name": "Doe", "nickname": "jane.doe", "picture": "https://s.gravatar.com/avatar/abc?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjd.png", "updated_at": "2024-01-15T10:10:41.837Z", "email": "janedoe@example.com", "email_verified": true, "locale": "en-US"});
    let identity = flow
        .identity_after_token(OP.token, token, OP.userinfo, info)
        .await;
    Flow::assert_post(&flow.token_request(OP.token), "client_id");
    assert_bearer(&flow.fake, "GET", OP.userinfo, "eyJhbGciOiJkaXIi.opaque");
    assert_identity(
        &identity,
        json!({"provider": "auth0", "id": SUB, "email": "janedoe@example.com", "email_verified": true, "name": "Jane Josephine Doe", "given_name": "Jane", "family_name": "Doe", "preferred_username": "jane.doe", "picture": "https://s.gravatar.com/avatar/abc?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjd.png", "locale": "en-US"}),
    );
}

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    invalid_grant: 403, json!({"error": "invalid_grant", "error_description": "Invalid authorization code"});
    without_email: |flow| token_reply(&flow, json!({})),
        json!({"sub": SUB, "nickname": "jane.doe", "name": "jane.doe"})
        => json!({"id": SUB});
    unverified_email: |flow| token_reply(&flow, json!({"email": "janedoe@example.com", "email_verified": false})),
        json!({"sub": SUB, "email": "janedoe@example.com", "email_verified": false})
        => "janedoe@example.com";
}

#[tokio::test]
async fn auth0_unauthorized_client_is_a_provider_error() {
    let flow = start().await;
    let error = json!({"error": "access_denied", "error_description": "Unauthorized"});
    let got = flow.token_error(OP.token, 401, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
