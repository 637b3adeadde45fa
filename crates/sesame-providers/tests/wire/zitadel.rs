use serde_json::{json, Value};

use super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://my-instance-abc123.zitadel.cloud",
    authorize: "https://my-instance-abc123.zitadel.cloud/oauth/v2/authorize",
    token: "https://my-instance-abc123.zitadel.cloud/oauth/v2/token",
    userinfo: "https://my-instance-abc123.zitadel.cloud/oidc/v1/userinfo",
    jwks: "https://my-instance-abc123.zitadel.cloud/oauth/v2/keys",
};
const SUB: &str = "165617463437148675";

async fn start() -> Flow {
    let provider = sesame_providers::zitadel("https://my-instance-abc123.zitadel.cloud");
    OP.start(provider, OPENID_EMAIL_PROFILE, true).await
}

fn token_reply(flow: &Flow) -> Reply {
    // ZITADEL's ID token carries no profile claims when an access token is issued.
    let id_token = Fake::id_token(flow.id_claims(OP.issuer, SUB, json!({})));
    json_reply(
        200,
        json!({"access_token": "dEFNGMtRJ9sP7wTVZi6Ga5cBtZ", "token_type": "Bearer", "expires_in": 43199, "id_token": id_token}),
    )
}

fn userinfo(extra: Value) -> Value {
    with_fields(
        json!({"sub": SUB, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "nickname": "jane", "preferred_username": "jane@acme.zitadel.cloud", "locale": "en", "updated_at": 1700000000, "picture": "https://my-instance-abc123.zitadel.cloud/assets/v1/165617463437148675/users/avatar"}),
        extra,
    )
}

#[tokio::test]
async fn zitadel_login_profile_from_userinfo() {
    let flow = start().await;
    let info = userinfo(json!({"email": "jane@example.com", "email_verified": true}));
    let identity = flow
        .identity_after_token(OP.token, token_reply(&flow), OP.userinfo, info)
        .await;
    Flow::assert_basic(&flow.token_request(OP.token));
    assert_bearer(&flow.fake, "GET", OP.userinfo, "dEFNGMtRJ9sP7wTVZi6Ga5cBtZ");
    assert_identity(
        &identity,
        json!({"provider": "zitadel", "id": SUB, "email": "jane@example.com", "email_verified": true, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "preferred_username": "jane@acme.zitadel.cloud", "picture": "https://my-instance-abc123.zitadel.cloud/assets/v1/165617463437148675/users/avatar", "locale": "en"}),
    );
}

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Errors.OIDCSession.Token.Invalid"});
    without_email: |flow| token_reply(&flow), userinfo(json!({})) => json!({"id": SUB});
    unverified_email: |flow| token_reply(&flow),
        userinfo(json!({"email": "jane@example.com", "email_verified": false}))
        => "jane@example.com";
}
