use serde_json::{json, Value};

use super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://slack.com",
    authorize: "https://slack.com/openid/connect/authorize",
    token: "https://slack.com/api/openid.connect.token",
    userinfo: "https://slack.com/api/openid.connect.userInfo",
    jwks: "https://slack.com/openid/connect/keys",
};
const SUB: &str = "U0R7JM";

async fn start() -> Flow {
    OP.start(sesame_providers::slack(), OPENID_EMAIL_PROFILE, true)
        .await
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
    with_fields(
        json!({"ok": true, "sub": SUB, "https://slack.com/user_id": SUB, "https://slack.com/team_id": "T0R7GR", "name": "krane", "picture": "https://secure.gravatar.com/avatar/krane.png", "given_name": "Bront", "family_name": "Labradoodle", "locale": "en-US", "https://slack.com/team_name": "kraneflannel", "https://slack.com/team_domain": "kraneflannel"}),
        extra,
    )
}

#[tokio::test]
async fn slack_login() {
    let flow = start().await;
    let info = userinfo(
        json!({"email": "krane@slack-corp.com", "email_verified": true, "date_email_verified": 1622128723}),
    );
    let identity = flow
        .identity_after_token(OP.token, token_reply(&flow), OP.userinfo, info)
        .await;
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
    let error = json!({"ok": false, "error": "invalid_code"});
    let got = flow.token_error(OP.token, 200, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    without_email: |flow| token_reply(&flow), userinfo(json!({})) => json!({"id": SUB});
    unverified_email: |flow| token_reply(&flow),
        userinfo(json!({"email": "krane@slack-corp.com", "email_verified": false}))
        => "krane@slack-corp.com";
}
