use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://login.szn.cz/api/v1/oauth/auth";
const TOKEN: &str = "https://login.szn.cz/api/v1/oauth/token";
const USER: &str = "https://login.szn.cz/api/v1/user";

fn user() -> serde_json::Value {
    json!({"oauth_user_id": "f2a0b1c3d4e5f6a7", "username": "jan.novak", "domain": "seznam.cz", "email": "jan.novak@seznam.cz", "firstname": "Jan", "lastname": "Novák", "accountDisplayName": "Jan Novák", "avatar_url": "https://login.szn.cz/api/v1/user/avatar/f2a0b1c3d4e5f6a7"})
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::seznam()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "identity,avatar")],
        true,
        false,
    );
    flow
}

fn token_ok() -> Reply {
    json_reply(
        200,
        json!({"access_token": "szn-access", "token_type": "bearer", "expires_in": 3600, "refresh_token": "szn-refresh", "oauth_user_id": "f2a0b1c3d4e5f6a7", "account_name": "jan.novak@seznam.cz"}),
    )
}

#[tokio::test]
async fn seznam_login_with_a_json_token_request() {
    let flow = start().await;
    let identity = flow
        .identity_after_token(TOKEN, token_ok(), USER, user())
        .await;
    let r = json_token_request(&flow, TOKEN);
    assert!(r.header("authorization").is_none());
    assert_eq!(r.json()["client_id"], CLIENT_ID);
    assert_eq!(r.json()["client_secret"], CLIENT_SECRET);
    assert_eq!(r.header("accept").as_deref(), Some("application/json"));
    assert_bearer(&flow.fake, "GET", USER, "szn-access");
    assert_identity(
        &identity,
        json!({"provider": "seznam", "id": "f2a0b1c3d4e5f6a7", "email": "jan.novak@seznam.cz", "email_verified": false, "name": "Jan Novák", "given_name": "Jan", "family_name": "Novák", "preferred_username": "jan.novak", "picture": "https://login.szn.cz/api/v1/user/avatar/f2a0b1c3d4e5f6a7"}),
    );
}

#[tokio::test]
async fn seznam_profile_without_email() {
    let flow = start().await;
    let token = token_ok();
    let mut u = user();
    u.as_object_mut().unwrap().remove("email");
    let identity = flow.identity_after_token(TOKEN, token, USER, u).await;
    assert_identity(
        &identity,
        json!({"id": "f2a0b1c3d4e5f6a7", "email": null, "email_verified": false}),
    );
}

#[tokio::test]
async fn seznam_token_error() {
    let flow = start().await;
    let error =
        json!({"error": "invalid_client", "error_description": "Client authentication failed"});
    let got = flow.token_error(TOKEN, 401, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
