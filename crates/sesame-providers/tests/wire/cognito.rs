use serde_json::{json, Value};

use super::harness::*;

const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E";
const JWKS: &str =
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E/.well-known/jwks.json";
const AUTHORIZE: &str = "https://myapp.auth.us-east-1.amazoncognito.com/oauth2/authorize";
const TOKEN: &str = "https://myapp.auth.us-east-1.amazoncognito.com/oauth2/token";
const USERINFO: &str = "https://myapp.auth.us-east-1.amazoncognito.com/oauth2/userInfo";
const SUB: &str = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111";

async fn start() -> Flow {
    let flow = Flow::start(
        sesame_providers::cognito(
            "myapp.auth.us-east-1.amazoncognito.com",
            "us-east-1",
            "us-east-1_Ab12Cd34E",
        ),
        Secret::Static(CLIENT_SECRET),
        |f| f.serve_jwks(JWKS),
    )
    .await;
    flow.assert_authorize(AUTHORIZE, OPENID_EMAIL_PROFILE, true, true);
    flow
}

fn token_reply(flow: &Flow) -> Reply {
    // The ID token has a boolean email_verified and cognito:username.
    let id_token = Fake::id_token(flow.id_claims(ISSUER, SUB, json!({"cognito:username": "bob", "email": "bob@example.com", "email_verified": true, "token_use": "id"})));
    json_reply(
        200,
        json!({"access_token": "eyJra1example.at.sig", "id_token": id_token, "refresh_token": "eyJj3example.rt", "token_type": "Bearer", "expires_in": 3600}),
    )
}

/// A token response whose ID token has no email.
fn token_reply_without_email(flow: &Flow) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(ISSUER, SUB, json!({"cognito:username": "bob"})));
    json_reply(
        200,
        json!({"access_token": "a", "id_token": id_token, "token_type": "Bearer", "expires_in": 3600}),
    )
}

fn userinfo(extra: Value) -> Value {
    with_fields(
        json!({"sub": SUB, "custom:mycustom1": "CustomValue", "phone_number_verified": "true", "phone_number": "+12065551212", "username": "bob"}),
        extra,
    )
}

#[tokio::test]
async fn cognito_login_string_email_verified() {
    let flow = start().await;
    // userInfo sends email_verified as the string "true".
    let info = userinfo(json!({"email": "bob@example.com", "email_verified": "true"}));
    let identity = flow
        .identity_after_token(TOKEN, token_reply(&flow), USERINFO, info)
        .await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    assert_bearer(&flow.fake, "GET", USERINFO, "eyJra1example.at.sig");
    assert_identity(
        &identity,
        json!({"provider": "cognito", "id": SUB, "email": "bob@example.com", "email_verified": true, "preferred_username": "bob"}),
    );
}

common_cases! {
    start: start(), token: TOKEN, userinfo: USERINFO;
    invalid_grant: 400, json!({"error": "invalid_grant"});
    without_email: |flow| token_reply_without_email(&flow), userinfo(json!({}))
        => json!({"id": SUB, "preferred_username": "bob"});
    // userInfo's email_verified is the string "false", and userinfo wins
    // over the ID token's claim.
    unverified_email: |flow| token_reply(&flow),
        userinfo(json!({"email": "bob@example.com", "email_verified": "false"}))
        => "bob@example.com";
}
