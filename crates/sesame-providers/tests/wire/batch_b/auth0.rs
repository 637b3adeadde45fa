use serde_json::{json, Value};

use super::super::harness::*;
use super::Oidc;

const OP: Oidc = Oidc {
    issuer: "https://dev-123.us.auth0.com/",
    authorize: "https://dev-123.us.auth0.com/authorize",
    token: "https://dev-123.us.auth0.com/oauth/token",
    userinfo: "https://dev-123.us.auth0.com/userinfo",
    jwks: "https://dev-123.us.auth0.com/.well-known/jwks.json",
};
const ISSUER: &str = OP.issuer;
const AUTHORIZE: &str = OP.authorize;
const TOKEN: &str = OP.token;
const USERINFO: &str = OP.userinfo;
const SUB: &str = "auth0|5f7c8ec7c33c6c004bbafe82";

async fn start() -> Flow {
    let flow = Flow::start(
        sesame_providers::auth0("https://dev-123.us.auth0.com"),
        Secret::Static(CLIENT_SECRET),
        |f| OP.serve(f),
    )
    .await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "openid email profile")],
        true,
        true,
    );
    flow
}

fn token_reply(flow: &Flow, extra: Value) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(ISSUER, SUB, extra));
    json_reply(
        200,
        json!({"access_token": "eyJhbGciOiJkaXIi.opaque", "id_token": id_token, "scope": "openid profile email", "expires_in": 86400, "token_type": "Bearer"}),
    )
}

#[tokio::test]
async fn auth0_login_with_trailing_slash_issuer() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        token_reply(
            &flow,
            json!({"email": "janedoe@example.com", "email_verified": true}),
        ),
    );
    flow.fake.on("GET", USERINFO, json_reply(200, json!({"sub": SUB, "name": "Jane Josephine Doe", "given_name": "Jane", "family_name": "Doe", "nickname": "jane.doe", "picture": "https://s.gravatar.com/avatar/abc?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjd.png", "updated_at": "2024-01-15T10:10:41.837Z", "email": "janedoe@example.com", "email_verified": true, "locale": "en-US"})));
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    assert_bearer(&flow.fake, "GET", USERINFO, "eyJhbGciOiJkaXIi.opaque");
    assert_identity(
        &identity,
        json!({"provider": "auth0", "id": SUB, "email": "janedoe@example.com", "email_verified": true, "name": "Jane Josephine Doe", "given_name": "Jane", "family_name": "Doe", "preferred_username": "jane.doe", "picture": "https://s.gravatar.com/avatar/abc?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjd.png", "locale": "en-US"}),
    );
}

#[tokio::test]
async fn auth0_invalid_grant() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        json_reply(
            403,
            json!({"error": "invalid_grant", "error_description": "Invalid authorization code"}),
        ),
    );
    let (status, body) = flow.callback(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn auth0_unauthorized_client_is_a_provider_error() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        json_reply(
            401,
            json!({"error": "access_denied", "error_description": "Unauthorized"}),
        ),
    );
    let (status, body) = flow.callback(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (502, Some("provider_error"))
    );
}

#[tokio::test]
async fn auth0_without_email() {
    let flow = start().await;
    flow.fake.on("POST", TOKEN, token_reply(&flow, json!({})));
    flow.fake.on(
        "GET",
        USERINFO,
        json_reply(
            200,
            json!({"sub": SUB, "nickname": "jane.doe", "name": "jane.doe"}),
        ),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"id": SUB, "email": null, "email_verified": false}),
    );
}

#[tokio::test]
async fn auth0_unverified_email() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        token_reply(
            &flow,
            json!({"email": "janedoe@example.com", "email_verified": false}),
        ),
    );
    flow.fake.on(
        "GET",
        USERINFO,
        json_reply(
            200,
            json!({"sub": SUB, "email": "janedoe@example.com", "email_verified": false}),
        ),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"email": "janedoe@example.com", "email_verified": false}),
    );
}
