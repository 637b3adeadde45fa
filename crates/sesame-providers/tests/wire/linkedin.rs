use serde_json::json;
use sesame_core::jose::{Algorithm, SigningKey};

use super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://www.linkedin.com/oauth",
    authorize: "https://www.linkedin.com/oauth/v2/authorization",
    token: "https://www.linkedin.com/oauth/v2/accessToken",
    userinfo: "https://api.linkedin.com/v2/userinfo",
    jwks: "https://www.linkedin.com/oauth/openid/jwks",
};

/// LinkedIn's ID token: no nonce (LinkedIn never echoes one).
fn claims(flow: &Flow, extra: serde_json::Value) -> serde_json::Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    with_fields(
        json!({"iss": flow.fake.url(OP.issuer), "aud": CLIENT_ID, "iat": now, "exp": now + 3600, "sub": "782bbtaQ", "name": "John Doe", "given_name": "John", "family_name": "Doe", "picture": "https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/", "email": "doe@email.com", "email_verified": "true", "locale": "en_US"}),
        extra,
    )
}

fn userinfo() -> serde_json::Value {
    json!({"sub": "782bbtaQ", "name": "John Doe", "given_name": "John", "family_name": "Doe", "picture": "https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/", "locale": {"country": "US", "language": "en"}, "email": "doe@email.com", "email_verified": true})
}

/// `v` without its email claims.
fn no_email(mut v: serde_json::Value) -> serde_json::Value {
    let o = v.as_object_mut().unwrap();
    o.remove("email");
    o.remove("email_verified");
    v
}

async fn start() -> Flow {
    let flow = Flow::start(
        sesame_providers::linkedin(),
        Secret::Static(CLIENT_SECRET),
        |f| OP.serve(f),
    )
    .await;
    // No PKCE (LinkedIn rejects a code_verifier), no nonce (never echoed).
    flow.assert_authorize(OP.authorize, OPENID_EMAIL_PROFILE, false, false);
    flow
}

fn token_reply(id_token: Option<String>) -> Reply {
    let mut body = json!({"access_token": "AQUvlL_DYEzvT2wz1QJiEPeLioeA", "expires_in": 5183999, "scope": "email,openid,profile", "token_type": "Bearer"});
    if let Some(t) = id_token {
        body["id_token"] = json!(t);
    }
    json_reply(200, body)
}

#[tokio::test]
async fn linkedin_login_validates_the_id_token() {
    let flow = start().await;
    let token = token_reply(Some(Fake::id_token(claims(&flow, json!({})))));
    let identity = flow
        .identity_after_token(OP.token, token, OP.userinfo, userinfo())
        .await;
    Flow::assert_post(&flow.token_request(OP.token), "client_id");
    assert_bearer(
        &flow.fake,
        "GET",
        OP.userinfo,
        "AQUvlL_DYEzvT2wz1QJiEPeLioeA",
    );
    assert_identity(
        &identity,
        json!({"provider": "linkedin", "id": "782bbtaQ", "email": "doe@email.com", "email_verified": true, "name": "John Doe", "given_name": "John", "family_name": "Doe", "picture": "https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/", "locale": "en_US"}),
    );
}

#[tokio::test]
async fn linkedin_forged_id_token_is_refused() {
    let flow = start().await;
    let (other, _) = SigningKey::generate(Algorithm::ES256, "fake-key-1").unwrap();
    let forged = other
        .sign_claims(Some("JWT"), claims(&flow, json!({})).as_object().unwrap())
        .unwrap();
    flow.fake.on("POST", OP.token, token_reply(Some(forged)));
    flow.fake
        .on("GET", OP.userinfo, json_reply(200, userinfo()));
    let got = flow.callback_error().await;
    assert_eq!(got, (502, Some("invalid_id_token".into())));
}

#[tokio::test]
async fn linkedin_without_an_id_token_is_refused() {
    let flow = start().await;
    flow.fake.on("POST", OP.token, token_reply(None));
    flow.fake
        .on("GET", OP.userinfo, json_reply(200, userinfo()));
    let got = flow.callback_error().await;
    assert_eq!(got, (502, Some("provider_error".into())));
}

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    without_email: |flow| token_reply(Some(Fake::id_token(no_email(claims(&flow, json!({})))))),
        no_email(userinfo())
        => json!({"id": "782bbtaQ"});
}

#[tokio::test]
async fn linkedin_token_error() {
    let flow = start().await;
    let error = json!({"error": "invalid_request", "error_description": "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired. Or external member binding exists"});
    let got = flow.token_error(OP.token, 400, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
