use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://www.amazon.com/ap/oa";
const TOKEN: &str = "https://api.amazon.com/auth/o2/token";
const PROFILE: &str = "https://api.amazon.com/user/profile";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::amazon()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "profile")],
        true,
        false,
    );
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "Atza|IQEBLjAsAhRmHjNgHpi0U-Dme37rR6CuUpSR", "token_type": "bearer", "expires_in": 3600, "refresh_token": "Atzr|IQEBLzAtAhRPpMJxdwVz2Nn6f2y-tpJX2DeX"})));
    flow
}

#[tokio::test]
async fn amazon_login_email_not_verified() {
    let flow = start().await;
    let profile = json!({"user_id": "amzn1.account.K2LI23KL2LK2", "email": "johndoe@gmail.com", "name": "John Doe"});
    let identity = flow.identity_after("GET", PROFILE, profile).await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    assert_bearer(
        &flow.fake,
        "GET",
        PROFILE,
        "Atza|IQEBLjAsAhRmHjNgHpi0U-Dme37rR6CuUpSR",
    );
    assert_identity(
        &identity,
        json!({"provider": "amazon", "id": "amzn1.account.K2LI23KL2LK2", "email": "johndoe@gmail.com", "email_verified": false, "name": "John Doe"}),
    );
}

#[tokio::test]
async fn amazon_user_id_scope_only() {
    let flow = start().await;
    let profile = json!({"user_id": "amzn1.account.K2LI23KL2LK2"});
    let identity = flow.identity_after("GET", PROFILE, profile).await;
    assert_identity(
        &identity,
        json!({"id": "amzn1.account.K2LI23KL2LK2", "email": null, "email_verified": false, "name": null}),
    );
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::amazon()), token: TOKEN;
    invalid_grant: 400, json!({"error_description": "The request has an invalid grant parameter : code", "error": "invalid_grant"});
}
