use serde_json::{json, Value};

use super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://gitea.example.com/",
    authorize: "https://gitea.example.com/login/oauth/authorize",
    token: "https://gitea.example.com/login/oauth/access_token",
    userinfo: "https://gitea.example.com/login/oauth/userinfo",
    jwks: "https://gitea.example.com/login/oauth/keys",
};

async fn start() -> Flow {
    let provider = sesame_providers::gitea("https://gitea.example.com");
    OP.start(provider, OPENID_EMAIL_PROFILE, true).await
}

fn token_reply(flow: &Flow, extra: Value) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(OP.issuer, "1", extra));
    json_reply(
        200,
        json!({"access_token": "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.gitea.at", "token_type": "bearer", "expires_in": 3600, "refresh_token": "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.gitea.rt", "id_token": id_token}),
    )
}

#[tokio::test]
async fn gitea_login_never_trusts_the_activation_flag_as_verification() {
    let flow = start().await;
    // Gitea's ID token says email_verified = the account's IsActive flag.
    let token = token_reply(
        &flow,
        json!({"name": "Jane Doe", "preferred_username": "jane", "email": "jane@example.com", "email_verified": true, "locale": "en-US"}),
    );
    let info = json!({"sub": "1", "name": "Jane Doe", "preferred_username": "jane", "email": "jane@example.com", "picture": "https://gitea.example.com/avatars/5f1d", "groups": ["myorg", "myorg:owners"]});
    let identity = flow
        .identity_after_token(OP.token, token, OP.userinfo, info)
        .await;
    Flow::assert_basic(&flow.token_request(OP.token));
    assert_bearer(
        &flow.fake,
        "GET",
        OP.userinfo,
        "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.gitea.at",
    );
    assert_identity(
        &identity,
        json!({"provider": "gitea", "id": "1", "email": "jane@example.com", "email_verified": false, "name": "Jane Doe", "preferred_username": "jane", "picture": "https://gitea.example.com/avatars/5f1d", "locale": "en-US"}),
    );
}

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "invalid or expired authorization code"});
    without_email: |flow| token_reply(&flow, json!({})),
        json!({"sub": "1", "preferred_username": "jane"})
        => json!({"id": "1"});
}

#[tokio::test]
async fn gitea_unauthorized_client_is_a_provider_error() {
    let flow = start().await;
    let error =
        json!({"error": "unauthorized_client", "error_description": "invalid client secret"});
    let got = flow.token_error(OP.token, 400, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
