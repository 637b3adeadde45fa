use serde_json::json;

use super::super::harness::*;
use super::Oidc;

const OP: Oidc = Oidc {
    issuer: "https://oauth.battle.net",
    authorize: "https://oauth.battle.net/authorize",
    token: "https://oauth.battle.net/token",
    userinfo: "https://oauth.battle.net/userinfo",
    jwks: "https://oauth.battle.net/jwks/certs",
};

async fn start() -> Flow {
    let flow = Flow::start(
        sesame_providers::battlenet(),
        Secret::Static(CLIENT_SECRET),
        |f| OP.serve(f),
    )
    .await;
    flow.assert_authorize(
        OP.authorize,
        &[("client_id", CLIENT_ID), ("scope", "openid")],
        false,
        true,
    );
    flow
}

#[tokio::test]
async fn battlenet_login_battletag_and_no_email() {
    let flow = start().await;
    let id_token = Fake::id_token(flow.id_claims(
        OP.issuer,
        "123456789",
        json!({"battle_tag": "Player#1234"}),
    ));
    flow.fake.on("POST", OP.token, json_reply(200, json!({"access_token": "USveZJ1BXAPOgp6vkzrtQq6vdWmMkeRxr8", "token_type": "bearer", "expires_in": 86399, "scope": "openid", "sub": "123456789", "id_token": id_token})));
    flow.fake.on(
        "GET",
        OP.userinfo,
        json_reply(
            200,
            json!({"sub": "123456789", "id": 123456789, "battletag": "Player#1234"}),
        ),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    Flow::assert_basic(&flow.token_request(OP.token));
    assert_bearer(
        &flow.fake,
        "GET",
        OP.userinfo,
        "USveZJ1BXAPOgp6vkzrtQq6vdWmMkeRxr8",
    );
    assert_identity(
        &identity,
        json!({"provider": "battlenet", "id": "123456789", "email": null, "email_verified": false, "name": "Player#1234", "preferred_username": "Player#1234"}),
    );
}

#[tokio::test]
async fn battlenet_battle_tag_from_the_id_token_without_userinfo() {
    let flow = start().await;
    let id_token = Fake::id_token(flow.id_claims(
        OP.issuer,
        "123456789",
        json!({"battle_tag": "Player#1234"}),
    ));
    flow.fake.on(
        "POST",
        OP.token,
        json_reply(
            200,
            json!({"access_token": "t", "token_type": "bearer", "id_token": id_token}),
        ),
    );
    flow.fake.on(
        "GET",
        OP.userinfo,
        json_reply(503, json!({"error": "unavailable"})),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"id": "123456789", "preferred_username": "Player#1234", "email": null}),
    );
}

#[tokio::test]
async fn battlenet_invalid_grant() {
    let flow = start().await;
    flow.fake.on("POST", OP.token, json_reply(400, json!({"error": "invalid_grant", "error_description": "Invalid authorization code: abc"})));
    let (status, body) = flow.callback(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}
