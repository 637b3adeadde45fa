use serde_json::json;

use super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://oauth.battle.net",
    authorize: "https://oauth.battle.net/authorize",
    token: "https://oauth.battle.net/token",
    userinfo: "https://oauth.battle.net/userinfo",
    jwks: "https://oauth.battle.net/jwks/certs",
};

async fn start() -> Flow {
    let fixed = [("client_id", CLIENT_ID), ("scope", "openid")];
    OP.start(sesame_providers::battlenet(), &fixed, false).await
}

fn id_token(flow: &Flow) -> String {
    Fake::id_token(flow.id_claims(OP.issuer, "123456789", json!({"battle_tag": "Player#1234"})))
}

#[tokio::test]
async fn battlenet_login_battletag_and_no_email() {
    let flow = start().await;
    let token = json_reply(
        200,
        json!({"access_token": "USveZJ1BXAPOgp6vkzrtQq6vdWmMkeRxr8", "token_type": "bearer", "expires_in": 86399, "scope": "openid", "sub": "123456789", "id_token": id_token(&flow)}),
    );
    let info = json!({"sub": "123456789", "id": 123456789, "battletag": "Player#1234"});
    let identity = flow
        .identity_after_token(OP.token, token, OP.userinfo, info)
        .await;
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
    flow.fake.on(
        "POST",
        OP.token,
        json_reply(
            200,
            json!({"access_token": "t", "token_type": "bearer", "id_token": id_token(&flow)}),
        ),
    );
    flow.fake.on(
        "GET",
        OP.userinfo,
        json_reply(503, json!({"error": "unavailable"})),
    );
    let identity = flow.identity().await;
    assert_identity(
        &identity,
        json!({"id": "123456789", "preferred_username": "Player#1234", "email": null}),
    );
}

common_cases! {
    start: start(), token: OP.token;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Invalid authorization code: abc"});
}
