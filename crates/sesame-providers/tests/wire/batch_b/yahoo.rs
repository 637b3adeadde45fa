use serde_json::{json, Value};

use super::super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://api.login.yahoo.com",
    authorize: "https://api.login.yahoo.com/oauth2/request_auth",
    token: "https://api.login.yahoo.com/oauth2/get_token",
    userinfo: "https://api.login.yahoo.com/openid/v1/userinfo",
    jwks: "https://api.login.yahoo.com/openid/v1/certs",
};
const SUB: &str = "FSVIDUW3D7FSVIDUW3D72F2F";

async fn start() -> Flow {
    OP.start(sesame_providers::yahoo(), OPENID_EMAIL_PROFILE, false)
        .await
}

fn token_reply(flow: &Flow) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(OP.issuer, SUB, json!({})));
    json_reply(
        200,
        json!({"access_token": "Jzxbkqqcvjqik2IMxGFEE1cuaos--", "token_type": "bearer", "expires_in": 3600, "refresh_token": "AOiRUlJn_qOmByVGTmUpwcMKW3XDcipToOoHx2wRoyLgJC_RFlA-", "xoauth_yahoo_guid": "JT4FACLQZI2OCE", "id_token": id_token}),
    )
}

fn userinfo(extra: Value) -> Value {
    with_fields(
        json!({"sub": SUB, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "locale": "en-US", "birthdate": "1972", "nickname": "Jane", "gender": "female", "picture": "https://s.yimg.com/ag/images/4524/x_192sq.jpg"}),
        extra,
    )
}

#[tokio::test]
async fn yahoo_login() {
    let flow = start().await;
    let info = userinfo(json!({"email": "janedoe@example.com", "email_verified": true}));
    let identity = flow
        .identity_after_token(OP.token, token_reply(&flow), OP.userinfo, info)
        .await;
    Flow::assert_basic(&flow.token_request(OP.token));
    assert_bearer(
        &flow.fake,
        "GET",
        OP.userinfo,
        "Jzxbkqqcvjqik2IMxGFEE1cuaos--",
    );
    assert_identity(
        &identity,
        json!({"provider": "yahoo", "id": SUB, "email": "janedoe@example.com", "email_verified": true, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "preferred_username": "Jane", "picture": "https://s.yimg.com/ag/images/4524/x_192sq.jpg", "locale": "en-US"}),
    );
}

#[tokio::test]
async fn yahoo_invalid_grant() {
    let flow = start().await;
    let error =
        json!({"error": "invalid_grant", "error_description": "Authorization code expired"});
    let got = flow.token_error(OP.token, 400, error).await;
    assert_eq!(got, (400, Some("invalid_grant".into())));
}

#[tokio::test]
async fn yahoo_without_email() {
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
async fn yahoo_unverified_email() {
    let flow = start().await;
    let info = userinfo(json!({"email": "janedoe@example.com", "email_verified": false}));
    let identity = flow
        .identity_after_token(OP.token, token_reply(&flow), OP.userinfo, info)
        .await;
    assert_identity(
        &identity,
        json!({"email": "janedoe@example.com", "email_verified": false}),
    );
}
