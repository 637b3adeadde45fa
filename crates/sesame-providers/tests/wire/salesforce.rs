use serde_json::{json, Value};

use super::harness::*;

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

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "expired authorization code"});
    without_email: |flow| token_reply(&flow), userinfo(json!({})) => json!({"id": SUB});
    unverified_email: |flow| token_reply(&flow),
        userinfo(json!({"email": "maxim@example.com", "email_verified": false}))
        => "maxim@example.com";
}
