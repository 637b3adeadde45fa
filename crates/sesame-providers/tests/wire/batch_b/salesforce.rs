use serde_json::{json, Value};

use super::super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://login.salesforce.com",
    authorize: "https://login.salesforce.com/services/oauth2/authorize",
    token: "https://login.salesforce.com/services/oauth2/token",
    userinfo: "https://login.salesforce.com/services/oauth2/userinfo",
    jwks: "https://login.salesforce.com/id/keys",
};
const SUB: &str = "https://login.salesforce.com/id/00DgK000000OMLxUAO/005gK000000TSnJQAW";

async fn start() -> Flow {
    let provider = sesame_providers::salesforce("https://login.salesforce.com");
    OP.start(provider, OPENID_EMAIL_PROFILE, true).await
}

fn token_reply(flow: &Flow) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(OP.issuer, SUB, json!({})));
    json_reply(
        200,
        json!({"access_token": "00DgK000000OMLx!AQ4AQ.token", "refresh_token": "5Aep861.refresh", "signature": "c2lnbmF0dXJl", "scope": "openid email profile", "id_token": id_token, "instance_url": "https://mycompany.my.salesforce.com", "id": SUB, "token_type": "Bearer", "issued_at": "1700000000000"}),
    )
}

fn userinfo(extra: Value) -> Value {
    with_fields(
        json!({"sub": SUB, "user_id": "005gK000000TSnJQAW", "organization_id": "00DgK000000OMLxUAO", "preferred_username": "maxim243@agentforce.com", "nickname": "User17416044580156309249", "name": "Maxim Kemajou", "given_name": "Maxim", "family_name": "Kemajou", "zoneinfo": "Europe/Berlin", "photos": {"picture": "https://mycompany.file.force.com/profilephoto/005/F", "thumbnail": "https://mycompany.file.force.com/profilephoto/005/T"}, "picture": "https://mycompany.file.force.com/profilephoto/005/F", "active": true, "user_type": "STANDARD", "language": "en_US", "locale": "fr_FR", "utcOffset": 3600000, "updated_at": "2025-09-28T09:30:18Z"}),
        extra,
    )
}

#[tokio::test]
async fn salesforce_login() {
    let flow = start().await;
    let info = userinfo(json!({"email": "maxim@example.com", "email_verified": true}));
    let identity = flow
        .identity_after_token(OP.token, token_reply(&flow), OP.userinfo, info)
        .await;
    Flow::assert_post(&flow.token_request(OP.token), "client_id");
    assert_bearer(
        &flow.fake,
        "GET",
        OP.userinfo,
        "00DgK000000OMLx!AQ4AQ.token",
    );
    assert_identity(
        &identity,
        json!({"provider": "salesforce", "id": SUB, "email": "maxim@example.com", "email_verified": true, "name": "Maxim Kemajou", "given_name": "Maxim", "family_name": "Kemajou", "preferred_username": "maxim243@agentforce.com", "picture": "https://mycompany.file.force.com/profilephoto/005/F", "locale": "fr_FR"}),
    );
}

#[tokio::test]
async fn salesforce_invalid_grant() {
    let flow = start().await;
    let error =
        json!({"error": "invalid_grant", "error_description": "expired authorization code"});
    let got = flow.token_error(OP.token, 400, error).await;
    assert_eq!(got, (400, Some("invalid_grant".into())));
}

#[tokio::test]
async fn salesforce_without_email() {
    let flow = start().await;
    let info = userinfo(json!({}));
    let identity = flow
        .identity_after_token(OP.token, token_reply(&flow), OP.userinfo, info)
        .await;
    assert_identity(
        &identity,
        json!({"id": SUB, "email": null, "email_verified": false}),
    );
}

#[tokio::test]
async fn salesforce_unverified_email() {
    let flow = start().await;
    let info = userinfo(json!({"email": "maxim@example.com", "email_verified": false}));
    let identity = flow
        .identity_after_token(OP.token, token_reply(&flow), OP.userinfo, info)
        .await;
    assert_identity(
        &identity,
        json!({"email": "maxim@example.com", "email_verified": false}),
    );
}
