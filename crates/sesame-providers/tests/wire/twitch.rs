use serde_json::{json, Value};

use super::harness::*;

const OP: Oidc = Oidc {
    issuer: "https://id.twitch.tv/oauth2",
    authorize: "https://id.twitch.tv/oauth2/authorize",
    token: "https://id.twitch.tv/oauth2/token",
    userinfo: "https://id.twitch.tv/oauth2/userinfo",
    jwks: "https://id.twitch.tv/oauth2/keys",
};
const SUB: &str = "713936733";
const CLAIMS: &str = r#"{"id_token":{"email":null,"email_verified":null,"picture":null,"preferred_username":null},"userinfo":{"email":null,"email_verified":null,"picture":null,"preferred_username":null}}"#;

async fn start() -> Flow {
    let fixed = [
        ("client_id", CLIENT_ID),
        ("scope", "openid user:read:email"),
        ("claims", CLAIMS),
    ];
    OP.start(sesame_providers::twitch(), &fixed, false).await
}

fn token_reply(flow: &Flow, extra: Value) -> Reply {
    let id_token = Fake::id_token(flow.id_claims(OP.issuer, SUB, extra));
    // Twitch: scope is an array, token_type lowercase.
    json_reply(
        200,
        json!({"access_token": "rfx2uswqe8l4g1mkagrvg5tv0ks3", "expires_in": 14124, "id_token": id_token, "refresh_token": "5b93chm6hdve3mycz05zfzatkfdenfspp1h1ar2xxdalen01", "scope": ["openid", "user:read:email"], "token_type": "bearer"}),
    )
}

#[tokio::test]
async fn twitch_login_with_claims_parameter() {
    let flow = start().await;
    let token = token_reply(
        &flow,
        json!({"azp": CLIENT_ID, "email": "user@example.com", "email_verified": true, "preferred_username": "CoolStreamer"}),
    );
    let info = json!({"aud": CLIENT_ID, "exp": 1700003600, "iat": 1700000000, "iss": "https://id.twitch.tv/oauth2", "sub": SUB, "azp": CLIENT_ID, "email": "user@example.com", "email_verified": true, "picture": "https://static-cdn.jtvnw.net/jtv_user_pictures/x-profile_image-300x300.png", "preferred_username": "CoolStreamer", "updated_at": "2023-01-01T00:00:00Z"});
    let identity = flow
        .identity_after_token(OP.token, token, OP.userinfo, info)
        .await;
    Flow::assert_post(&flow.token_request(OP.token), "client_id");
    assert_bearer(
        &flow.fake,
        "GET",
        OP.userinfo,
        "rfx2uswqe8l4g1mkagrvg5tv0ks3",
    );
    assert_identity(
        &identity,
        json!({"provider": "twitch", "id": SUB, "email": "user@example.com", "email_verified": true, "name": "CoolStreamer", "preferred_username": "CoolStreamer", "picture": "https://static-cdn.jtvnw.net/jtv_user_pictures/x-profile_image-300x300.png"}),
    );
}

#[tokio::test]
async fn twitch_nonstandard_token_error_is_a_provider_error() {
    let flow = start().await;
    let error = json!({"status": 400, "message": "Invalid authorization code"});
    let got = flow.token_error(OP.token, 400, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}

common_cases! {
    start: start(), token: OP.token, userinfo: OP.userinfo;
    without_email: |flow| token_reply(&flow, json!({"preferred_username": "CoolStreamer"})),
        json!({"sub": SUB, "preferred_username": "CoolStreamer"})
        => json!({"id": SUB, "name": "CoolStreamer"});
    unverified_email: |flow| token_reply(&flow, json!({})),
        json!({"sub": SUB, "email": "user@example.com", "email_verified": false})
        => "user@example.com";
}
