use serde_json::json;

use super::harness::*;

const ISSUER: &str = "https://gitlab.com";
const AUTHORIZE: &str = "https://gitlab.com/oauth/authorize";
const TOKEN: &str = "https://gitlab.com/oauth/token";
const USERINFO: &str = "https://gitlab.com/oauth/userinfo";

fn discovery_at(fake: &Fake, base: &str) {
    fake.serve_discovery(
        base,
        None,
        &[
            ("authorization_endpoint", &format!("{base}/oauth/authorize")),
            ("token_endpoint", &format!("{base}/oauth/token")),
            ("userinfo_endpoint", &format!("{base}/oauth/userinfo")),
            ("jwks_uri", &format!("{base}/oauth/discovery/keys")),
        ],
    );
    fake.serve_jwks(&format!("{base}/oauth/discovery/keys"));
}

fn userinfo() -> serde_json::Value {
    json!({"sub": "1234567", "name": "John Smith", "nickname": "john_smith", "preferred_username": "john_smith", "email": "john@example.com", "email_verified": true, "website": "https://example.com", "profile": "https://gitlab.com/john_smith", "picture": "https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png", "groups": ["my-group", "my-group/sub-group"], "https://gitlab.org/claims/groups/owner": ["my-group"]})
}

async fn start() -> Flow {
    let flow = Flow::start(
        sesame_providers::gitlab("https://gitlab.com"),
        Secret::Static(CLIENT_SECRET),
        |f| discovery_at(f, ISSUER),
    )
    .await;
    flow.assert_authorize(AUTHORIZE, OPENID_EMAIL_PROFILE, true, true);
    flow
}

#[tokio::test]
async fn gitlab_login_with_verified_email_from_userinfo() {
    let flow = start().await;
    let id_token = Fake::id_token(flow.id_claims(
        ISSUER,
        "1234567",
        json!({"auth_time": 1700000000, "email": "john@example.com", "email_verified": true, "groups_direct": ["my-group"]}),
    ));
    let token = json_reply(
        200,
        json!({"access_token": "de6780bc506a0446309bd9362820ba8aed28aa506c71eedbe1c5c4f9dd350e54", "token_type": "Bearer", "expires_in": 7200, "refresh_token": "8257e65c97202ed1726cf9571600918f3bffb2544b26e00a61df9897668c33a1", "scope": "openid email profile", "created_at": 1607635748, "id_token": id_token}),
    );
    let identity = flow
        .identity_after_token(TOKEN, token, USERINFO, userinfo())
        .await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    assert_bearer(
        &flow.fake,
        "GET",
        USERINFO,
        "de6780bc506a0446309bd9362820ba8aed28aa506c71eedbe1c5c4f9dd350e54",
    );
    assert_identity(
        &identity,
        json!({"provider": "gitlab", "id": "1234567", "email": "john@example.com", "email_verified": true, "name": "John Smith", "preferred_username": "john_smith", "picture": "https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png"}),
    );
}

#[tokio::test]
async fn gitlab_self_managed_instance_is_its_own_issuer() {
    let base = "https://gitlab.example.com";
    let flow = Flow::start(
        sesame_providers::gitlab("https://gitlab.example.com/"),
        Secret::Static(CLIENT_SECRET),
        |f| discovery_at(f, base),
    )
    .await;
    flow.assert_authorize(
        &format!("{base}/oauth/authorize"),
        OPENID_EMAIL_PROFILE,
        true,
        true,
    );
    let token = id_token_reply(Fake::id_token(flow.id_claims(base, "42", json!({}))));
    let info = json!({"sub": "42", "nickname": "root"});
    let identity = flow
        .identity_after_token(
            &format!("{base}/oauth/token"),
            token,
            &format!("{base}/oauth/userinfo"),
            info,
        )
        .await;
    assert_identity(
        &identity,
        json!({"id": "42", "email": null, "email_verified": false}),
    );
}

common_cases! {
    start: start(), token: TOKEN, userinfo: USERINFO;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."});
    unverified_email: |flow| {
            let claims = json!({"email": "john@example.com", "email_verified": false});
            id_token_reply(Fake::id_token(flow.id_claims(ISSUER, "1234567", claims)))
        },
        with_fields(userinfo(), json!({"email_verified": false}))
        => "john@example.com";
}
