use serde_json::json;

use super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://accounts.google.com",
    authorize: "https://accounts.google.com/o/oauth2/v2/auth",
    token: "https://oauth2.googleapis.com/token",
    userinfo: "https://openidconnect.googleapis.com/v1/userinfo",
    jwks: "https://www.googleapis.com/oauth2/v3/certs",
};

async fn start() -> Flow {
    Flow::start(
        sesame_providers::google(),
        Secret::Static(CLIENT_SECRET),
        |f| OP.serve(f),
    )
    .await
}

#[tokio::test]
async fn google_login() {
    let flow = start().await;
    flow.assert_authorize(OP.authorize, OPENID_EMAIL_PROFILE, true, true);
    let id_token = Fake::id_token(flow.id_claims(
        OP.issuer,
        "1098765",
        json!({"email": "ada@gmail.com", "email_verified": true}),
    ));
    let token = json_reply(
        200,
        json!({"access_token": "ya29.a0", "expires_in": 3599, "token_type": "Bearer", "scope": "openid https://www.googleapis.com/auth/userinfo.email", "id_token": id_token}),
    );
    let info = json!({"sub": "1098765", "name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace", "picture": "https://lh3.googleusercontent.com/a/x", "email": "ada@gmail.com", "email_verified": true, "locale": "en"});
    let identity = flow
        .identity_after_token(OP.token, token, OP.userinfo, info)
        .await;
    Flow::assert_basic(&flow.token_request(OP.token));
    assert_bearer(&flow.fake, "GET", OP.userinfo, "ya29.a0");
    assert_identity(
        &identity,
        json!({"provider": "google", "id": "1098765", "email": "ada@gmail.com", "email_verified": true, "name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace", "picture": "https://lh3.googleusercontent.com/a/x", "locale": "en"}),
    );
}

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Bad Request"});
    without_email: |flow| id_token_reply(Fake::id_token(flow.id_claims(OP.issuer, "42", json!({})))),
        json!({"sub": "42", "name": "No Mail"})
        => json!({"id": "42"});
}
