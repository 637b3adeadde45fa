use serde_json::{json, Value};

use super::harness::*;

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

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Authorization code expired"});
    without_email: |flow| token_reply(&flow), userinfo(json!({})) => json!({"id": SUB});
    unverified_email: |flow| token_reply(&flow),
        userinfo(json!({"email": "janedoe@example.com", "email_verified": false}))
        => "janedoe@example.com";
}
