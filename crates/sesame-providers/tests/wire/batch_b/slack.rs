use serde_json::{json, Value};

use super::super::harness::*;
use super::Oidc;

const OP: Oidc = Oidc {
    issuer: "https://slack.com",
    authorize: "https://slack.com/openid/connect/authorize",
    token: "https://slack.com/api/openid.connect.token",
    userinfo: "https://slack.com/api/openid.connect.userInfo",
    jwks: "https://slack.com/openid/connect/keys",
};
const SUB: &str = "U0R7JM";

async fn start() -> Flow {
    let flow = Flow::start(
        sesame_providers::slack(),
        Secret::Static(CLIENT_SECRET),
        |f| OP.serve(f),
    )
    .await;
    flow.assert_authorize(
        OP.authorize,
        &[("client_id", CLIENT_ID), ("scope", "openid email profile")],
        true,
        true,
    );
    flow
}

fn token_reply(flow: &Flow) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(
        OP.issuer,
        SUB,
        json!({"https://slack.com/user_id": SUB, "https://slack.com/team_id": "T0R7GR"}),
    ));
    json_reply(
        200,
        json!({"ok": true, "access_token": "xoxp-1234", "token_type": "Bearer", "id_token": id_token}),
    )
}

fn userinfo(extra: Value) -> Value {
    let mut u = json!({"ok": true, "sub": SUB, "https://slack.com/user_id": SUB, "https://slack.com/team_id": "T0R7GR", "name": "krane", "picture": "https://secure.gravatar.com/avatar/krane.png", "given_name": "Bront", "family_name": "Labradoodle", "locale": "en-US", "https://slack.com/team_name": "kraneflannel", "https://slack.com/team_domain": "kraneflannel"});
    for (k, v) in extra.as_object().unwrap() {
        u[k] = v.clone();
    }
    u
}

#[tokio::test]
async fn slack_login() {
    let flow = start().await;
    flow.fake.on("POST", OP.token, token_reply(&flow));
    flow.fake.on("GET", OP.userinfo, json_reply(200, userinfo(json!({"email": "krane@slack-corp.com", "email_verified": true, "date_email_verified": 1622128723}))));
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    Flow::assert_post(&flow.token_request(OP.token), "client_id");
    assert_bearer(&flow.fake, "GET", OP.userinfo, "xoxp-1234");
    assert_identity(
        &identity,
        json!({"provider": "slack", "id": SUB, "email": "krane@slack-corp.com", "email_verified": true, "name": "krane", "given_name": "Bront", "family_name": "Labradoodle", "picture": "https://secure.gravatar.com/avatar/krane.png", "locale": "en-US"}),
    );
    assert_eq!(identity["raw"]["https://slack.com/team_id"], "T0R7GR");
}

#[tokio::test]
async fn slack_error_in_a_200_token_response() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        OP.token,
        json_reply(200, json!({"ok": false, "error": "invalid_code"})),
    );
    let (status, body) = flow.callback(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (502, Some("provider_error"))
    );
}

#[tokio::test]
async fn slack_without_email() {
    let flow = start().await;
    flow.fake.on("POST", OP.token, token_reply(&flow));
    flow.fake
        .on("GET", OP.userinfo, json_reply(200, userinfo(json!({}))));
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"id": SUB, "email": null, "email_verified": false}),
    );
}

#[tokio::test]
async fn slack_unverified_email() {
    let flow = start().await;
    flow.fake.on("POST", OP.token, token_reply(&flow));
    flow.fake.on(
        "GET",
        OP.userinfo,
        json_reply(
            200,
            userinfo(json!({"email": "krane@slack-corp.com", "email_verified": false})),
        ),
    );
    let (status, identity) = flow.callback(None).await;
    assert_eq!(status, 200, "{identity}");
    assert_identity(
        &identity,
        json!({"email": "krane@slack-corp.com", "email_verified": false}),
    );
}
