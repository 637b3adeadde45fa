use serde_json::{json, Value};

use super::super::harness::*;
use super::Oidc;

const OP: Oidc = Oidc {
    issuer: "https://my-instance-abc123.zitadel.cloud",
    authorize: "https://my-instance-abc123.zitadel.cloud/oauth/v2/authorize",
    token: "https://my-instance-abc123.zitadel.cloud/oauth/v2/token",
    userinfo: "https://my-instance-abc123.zitadel.cloud/oidc/v1/userinfo",
    jwks: "https://my-instance-abc123.zitadel.cloud/oauth/v2/keys",
};
const SUB: &str = "165617463437148675";

async fn start() -> Flow {
    let flow = Flow::start(
        sesame_providers::zitadel("https://my-instance-abc123.zitadel.cloud"),
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

fn token_reply(flow: &Flow) -> Reply {
    // ZITADEL's ID token carries no profile claims when an access token is issued.
    let id_token = Fake::id_token(flow.id_claims(OP.issuer, SUB, json!({})));
    json_reply(
        200,
        json!({"access_token": "dEFNGMtRJ9sP7wTVZi6Ga5cBtZ", "token_type": "Bearer", "expires_in": 43199, "id_token": id_token}),
    )
}

fn userinfo(extra: Value) -> Value {
    let mut u = json!({"sub": SUB, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "nickname": "jane", "preferred_username": "jane@acme.zitadel.cloud", "locale": "en", "updated_at": 1700000000, "picture": "https://my-instance-abc123.zitadel.cloud/assets/v1/165617463437148675/users/avatar"});
    for (k, v) in extra.as_object().unwrap() {
        u[k] = v.clone();
    }
    u
}

#[tokio::test]
async fn zitadel_login_profile_from_userinfo() {
    let flow = start().await;
    flow.fake.on("POST", OP.token, token_reply(&flow));
    flow.fake.on(
        "GET",
        OP.userinfo,
        json_reply(
            200,
            userinfo(json!({"email": "jane@example.com", "email_verified": true})),
        ),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    Flow::assert_basic(&flow.token_request(OP.token));
    assert_bearer(&flow.fake, "GET", OP.userinfo, "dEFNGMtRJ9sP7wTVZi6Ga5cBtZ");
    assert_identity(
        &identity,
        json!({"provider": "zitadel", "id": SUB, "email": "jane@example.com", "email_verified": true, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "preferred_username": "jane@acme.zitadel.cloud", "picture": "https://my-instance-abc123.zitadel.cloud/assets/v1/165617463437148675/users/avatar", "locale": "en"}),
    );
}

#[tokio::test]
async fn zitadel_invalid_grant() {
    let flow = start().await;
    flow.fake.on("POST", OP.token, json_reply(400, json!({"error": "invalid_grant", "error_description": "Errors.OIDCSession.Token.Invalid"})));
    let (status, body) = flow.callback(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn zitadel_without_email() {
    let flow = start().await;
    flow.fake.on("POST", OP.token, token_reply(&flow));
    flow.fake
        .on("GET", OP.userinfo, json_reply(200, userinfo(json!({}))));
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"id": SUB, "email": null, "email_verified": false}),
    );
}

#[tokio::test]
async fn zitadel_unverified_email() {
    let flow = start().await;
    flow.fake.on("POST", OP.token, token_reply(&flow));
    flow.fake.on(
        "GET",
        OP.userinfo,
        json_reply(
            200,
            userinfo(json!({"email": "jane@example.com", "email_verified": false})),
        ),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"email": "jane@example.com", "email_verified": false}),
    );
}
