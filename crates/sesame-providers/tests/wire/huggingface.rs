use serde_json::{json, Value};

use super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://huggingface.co",
    authorize: "https://huggingface.co/oauth/authorize",
    token: "https://huggingface.co/oauth/token",
    userinfo: "https://huggingface.co/oauth/userinfo",
    jwks: "https://huggingface.co/oauth/jwks",
};
const SUB: &str = "6123456789abcdef01234567";

async fn start() -> Flow {
    OP.start(sesame_providers::huggingface(), OPENID_EMAIL_PROFILE, true)
        .await
}

fn token_reply(flow: &Flow) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(
        OP.issuer,
        SUB,
        json!({"name": "Jane Doe", "preferred_username": "janedoe"}),
    ));
    json_reply(
        200,
        json!({"access_token": "hf_oauth_abc123", "token_type": "bearer", "expires_in": 28800, "scope": "openid profile email", "id_token": id_token}),
    )
}

fn userinfo(extra: Value) -> Value {
    with_fields(
        json!({"sub": SUB, "name": "Jane Doe", "preferred_username": "janedoe", "profile": "https://huggingface.co/janedoe", "picture": "https://cdn-avatars.huggingface.co/v1/production/uploads/x/avatar.png", "website": "https://example.com", "isPro": false, "orgs": [{"sub": "6234567890abcdef01234567", "name": "Acme AI", "preferred_username": "acme-ai", "isEnterprise": false, "roleInOrg": "read"}]}),
        extra,
    )
}

#[tokio::test]
async fn huggingface_login() {
    let flow = start().await;
    let info = userinfo(json!({"email": "jane@example.com", "email_verified": true}));
    let identity = flow
        .identity_after_token(OP.token, token_reply(&flow), OP.userinfo, info)
        .await;
    Flow::assert_basic(&flow.token_request(OP.token));
    assert_bearer(&flow.fake, "GET", OP.userinfo, "hf_oauth_abc123");
    assert_identity(
        &identity,
        json!({"provider": "huggingface", "id": SUB, "email": "jane@example.com", "email_verified": true, "name": "Jane Doe", "preferred_username": "janedoe", "picture": "https://cdn-avatars.huggingface.co/v1/production/uploads/x/avatar.png"}),
    );
}

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Invalid authorization code"});
    // Without the `email` scope.
    without_email: |flow| token_reply(&flow), userinfo(json!({})) => json!({"id": SUB});
    unverified_email: |flow| token_reply(&flow),
        userinfo(json!({"email": "jane@example.com", "email_verified": false}))
        => "jane@example.com";
}
