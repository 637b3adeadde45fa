use serde_json::json;

use super::harness::*;

const ISSUER: &str = "https://accounts.google.com";
const AUTHORIZE: &str = "https://accounts.google.com/o/oauth2/v2/auth";
const TOKEN: &str = "https://oauth2.googleapis.com/token";
const USERINFO: &str = "https://openidconnect.googleapis.com/v1/userinfo";
const JWKS: &str = "https://www.googleapis.com/oauth2/v3/certs";

fn discovery(fake: &Fake) {
    fake.serve_discovery(
        ISSUER,
        None,
        &[
            ("authorization_endpoint", AUTHORIZE),
            ("token_endpoint", TOKEN),
            ("userinfo_endpoint", USERINFO),
            ("jwks_uri", JWKS),
        ],
    );
    fake.serve_jwks(JWKS);
}

#[tokio::test]
async fn google_login() {
    let flow = Flow::start(
        sesame_providers::google(),
        Secret::Static(CLIENT_SECRET),
        discovery,
    )
    .await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "openid email profile")],
        true,
        true,
    );
    let id_token = Fake::id_token(flow.id_claims(
        ISSUER,
        "1098765",
        json!({"email": "ada@gmail.com", "email_verified": true}),
    ));
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "ya29.a0", "expires_in": 3599, "token_type": "Bearer", "scope": "openid https://www.googleapis.com/auth/userinfo.email", "id_token": id_token})));
    flow.fake.on("GET", USERINFO, json_reply(200, json!({"sub": "1098765", "name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace", "picture": "https://lh3.googleusercontent.com/a/x", "email": "ada@gmail.com", "email_verified": true, "locale": "en"})));
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    Flow::assert_basic(&flow.token_request(TOKEN));
    assert_bearer(&flow.fake, "GET", USERINFO, "ya29.a0");
    assert_identity(
        &identity,
        json!({"provider": "google", "id": "1098765", "email": "ada@gmail.com", "email_verified": true, "name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace", "picture": "https://lh3.googleusercontent.com/a/x", "locale": "en"}),
    );
}

#[tokio::test]
async fn google_token_error_is_reported() {
    let flow = Flow::start(
        sesame_providers::google(),
        Secret::Static(CLIENT_SECRET),
        discovery,
    )
    .await;
    flow.fake.on(
        "POST",
        TOKEN,
        json_reply(
            400,
            json!({"error": "invalid_grant", "error_description": "Bad Request"}),
        ),
    );
    let (status, body) = flow.callback(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn google_userinfo_without_email() {
    let flow = Flow::start(
        sesame_providers::google(),
        Secret::Static(CLIENT_SECRET),
        discovery,
    )
    .await;
    let id_token = Fake::id_token(flow.id_claims(ISSUER, "42", json!({})));
    flow.fake.on(
        "POST",
        TOKEN,
        json_reply(
            200,
            json!({"access_token": "t", "token_type": "Bearer", "id_token": id_token}),
        ),
    );
    flow.fake.on(
        "GET",
        USERINFO,
        json_reply(200, json!({"sub": "42", "name": "No Mail"})),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"id": "42", "email": null, "email_verified": false}),
    );
}
