use serde_json::{json, Value};

use super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://sso.example.com/realms/acme",
    authorize: "https://sso.example.com/realms/acme/protocol/openid-connect/auth",
    token: "https://sso.example.com/realms/acme/protocol/openid-connect/token",
    userinfo: "https://sso.example.com/realms/acme/protocol/openid-connect/userinfo",
    jwks: "https://sso.example.com/realms/acme/protocol/openid-connect/certs",
};
const SUB: &str = "f1b7c2a4-5d6e-4f70-8a9b-0c1d2e3f4a5b";

async fn start() -> Flow {
    let provider = sesame_providers::keycloak("https://sso.example.com/", "acme");
    OP.start(provider, OPENID_EMAIL_PROFILE, true).await
}

fn token_reply(flow: &Flow, extra: Value) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(OP.issuer, SUB, extra));
    json_reply(
        200,
        json!({"access_token": "eyJhbGciOiJSUzI1NiJ9.at.sig", "expires_in": 300, "refresh_expires_in": 1800, "refresh_token": "eyJhbGciOiJIUzUxMiJ9.rt.sig", "token_type": "Bearer", "id_token": id_token, "not-before-policy": 0, "session_state": "0b2c7d6e", "scope": "openid email profile"}),
    )
}

#[tokio::test]
async fn keycloak_login_realm_issuer() {
    let flow = start().await;
    let token = token_reply(
        &flow,
        json!({"email": "jane.doe@example.com", "email_verified": true}),
    );
    let info = json!({"sub": SUB, "email_verified": true, "name": "Jane Doe", "preferred_username": "jdoe", "given_name": "Jane", "family_name": "Doe", "email": "jane.doe@example.com"});
    let identity = flow
        .identity_after_token(OP.token, token, OP.userinfo, info)
        .await;
    Flow::assert_basic(&flow.token_request(OP.token));
    assert_bearer(
        &flow.fake,
        "GET",
        OP.userinfo,
        "eyJhbGciOiJSUzI1NiJ9.at.sig",
    );
    assert_identity(
        &identity,
        json!({"provider": "keycloak", "id": SUB, "email": "jane.doe@example.com", "email_verified": true, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "preferred_username": "jdoe"}),
    );
}

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Code not valid"});
    without_email: |flow| token_reply(&flow, json!({})),
        json!({"sub": SUB, "preferred_username": "jdoe"})
        => json!({"id": SUB});
    unverified_email: |flow| token_reply(&flow, json!({})),
        json!({"sub": SUB, "email": "jane.doe@example.com", "email_verified": false})
        => "jane.doe@example.com";
}
