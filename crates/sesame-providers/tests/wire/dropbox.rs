use serde_json::{json, Value};

use super::harness::*;

const AUTHORIZE: &str = "https://www.dropbox.com/oauth2/authorize";
const TOKEN: &str = "https://api.dropboxapi.com/oauth2/token";
const ACCOUNT: &str = "https://api.dropboxapi.com/2/users/get_current_account";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::dropbox()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "account_info.read"),
            ("token_access_type", "offline"),
        ],
        true,
        false,
    );
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "sl.u.AbX9y6Fe3AuH5o66", "expires_in": 14400, "token_type": "bearer", "scope": "account_info.read", "refresh_token": "nBiM85CZALsAAAAAAAAAAQXHBoNpNutK4ngsXHsqW4iGz9tisb3JyjGqikMJIYbd", "account_id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc", "uid": "12345"})));
    flow
}

fn account(extra: Value) -> Value {
    with_fields(
        json!({"account_id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc", "name": {"given_name": "Franz", "surname": "Ferdinand", "familiar_name": "Franz", "display_name": "Franz Ferdinand (Personal)", "abbreviated_name": "FF"}, "disabled": false, "locale": "en", "referral_link": "https://db.tt/ZITNuhtI", "is_paired": false, "account_type": {".tag": "basic"}, "root_info": {".tag": "user", "root_namespace_id": "3235641", "home_namespace_id": "3235641"}, "profile_photo_url": "https://dl-web.dropbox.com/account_photo/get/dbaphid%3AAAHWGmIXV3sUuOmBfTz0wPsiqHUpBWvv3ZA?vers=1556069330102&size=128x128", "country": "US"}),
        extra,
    )
}

#[tokio::test]
async fn dropbox_login_posts_null_to_get_current_account() {
    let flow = start().await;
    let profile = account(json!({"email": "franz@dropbox.com", "email_verified": true}));
    let identity = flow.identity_after("POST", ACCOUNT, profile).await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    let r = assert_bearer(&flow.fake, "POST", ACCOUNT, "sl.u.AbX9y6Fe3AuH5o66");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(r.body, b"null");
    assert_identity(
        &identity,
        json!({"provider": "dropbox", "id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc", "email": "franz@dropbox.com", "email_verified": true, "name": "Franz Ferdinand (Personal)", "given_name": "Franz", "family_name": "Ferdinand", "picture": "https://dl-web.dropbox.com/account_photo/get/dbaphid%3AAAHWGmIXV3sUuOmBfTz0wPsiqHUpBWvv3ZA?vers=1556069330102&size=128x128", "locale": "en"}),
    );
}

#[tokio::test]
async fn dropbox_unverified_email() {
    let flow = start().await;
    let profile = account(json!({"email": "franz@dropbox.com", "email_verified": false}));
    let identity = flow.identity_after("POST", ACCOUNT, profile).await;
    assert_identity(
        &identity,
        json!({"email": "franz@dropbox.com", "email_verified": false}),
    );
}

#[tokio::test]
async fn dropbox_without_email() {
    let flow = start().await;
    let identity = flow
        .identity_after("POST", ACCOUNT, account(json!({})))
        .await;
    assert_identity(&identity, json!({"email": null, "email_verified": false}));
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::dropbox()), token: TOKEN;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "code doesn't exist or has expired"});
}
