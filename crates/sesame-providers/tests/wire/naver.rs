use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://nid.naver.com/oauth2.0/authorize";
const TOKEN: &str = "https://nid.naver.com/oauth2.0/token";
const ME: &str = "https://openapi.naver.com/v1/nid/me";

fn me() -> serde_json::Value {
    json!({"resultcode": "00", "message": "success", "response": {"id": "32742776", "nickname": "OpenAPI", "name": "오픈 API", "email": "openapi@naver.com", "gender": "F", "age": "40-49", "birthday": "10-01", "birthyear": "1900", "profile_image": "https://ssl.pstatic.net/static/pwe/address/nodata_33x33.gif", "mobile": "010-0000-0000"}})
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::naver()).await;
    // No scope parameter: the fields are chosen at registration.
    flow.assert_authorize(AUTHORIZE, &[("client_id", CLIENT_ID)], true, false);
    flow
}

fn token_ok() -> Reply {
    // Naver sends expires_in as a string.
    json_reply(
        200,
        json!({"access_token": "AAAAQosjWDJieBiQZc3to9YQp6HDLvrmyKC+6+iZ3gq7qrkqf50ljZC+Lgoqrg", "refresh_token": "c8ceMEJisO4Se7uGisHoX0f5JEii7JnipglQipkOn5Zp3tyP7dHQoP0zNKHUq2gY", "token_type": "bearer", "expires_in": "3600"}),
    )
}

#[tokio::test]
async fn naver_login_never_verifies_the_email() {
    let flow = start().await;
    let identity = flow.identity_after_token(TOKEN, token_ok(), ME, me()).await;
    let token = flow.token_request(TOKEN);
    Flow::assert_post(&token, "client_id");
    assert_eq!(
        token.form().get("state"),
        flow.param("state").as_ref(),
        "Naver's spec lists state in the token request"
    );
    assert_bearer(
        &flow.fake,
        "GET",
        ME,
        "AAAAQosjWDJieBiQZc3to9YQp6HDLvrmyKC+6+iZ3gq7qrkqf50ljZC+Lgoqrg",
    );
    assert_identity(
        &identity,
        json!({"provider": "naver", "id": "32742776", "email": "openapi@naver.com", "email_verified": false, "name": "오픈 API", "preferred_username": "OpenAPI", "picture": "https://ssl.pstatic.net/static/pwe/address/nodata_33x33.gif"}),
    );
}

#[tokio::test]
async fn naver_profile_without_email() {
    let flow = start().await;
    let token = token_ok();
    let mut m = me();
    m["response"].as_object_mut().unwrap().remove("email");
    let identity = flow.identity_after_token(TOKEN, token, ME, m).await;
    assert_identity(
        &identity,
        json!({"id": "32742776", "email": null, "email_verified": false}),
    );
}

#[tokio::test]
async fn naver_profile_result_code_must_be_success() {
    let flow = start().await;
    flow.fake.on("POST", TOKEN, token_ok());
    flow.fake.on(
        "GET",
        ME,
        json_reply(
            200,
            json!({"resultcode": "024", "message": "Authentication failed"}),
        ),
    );
    let got = flow.callback_error().await;
    assert_eq!(got, (502, Some("provider_error".into())));
}

#[tokio::test]
async fn naver_error_in_a_200_token_response() {
    let flow = start().await;
    let error =
        json!({"error": "invalid_request", "error_description": "no valid data in session"});
    let got = flow.token_error(TOKEN, 200, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
