use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://github.com/login/oauth/authorize";
const TOKEN: &str = "https://github.com/login/oauth/access_token";
const USER: &str = "https://api.github.com/user";
const EMAILS: &str = "https://api.github.com/user/emails";

fn user() -> serde_json::Value {
    json!({"login": "octocat", "id": 583231, "node_id": "MDQ6VXNlcjU4MzIzMQ==", "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4", "name": "The Octocat", "email": null, "type": "User"})
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::github()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "read:user user:email")],
        true,
        false,
    );
    flow
}

#[tokio::test]
async fn github_login_uses_the_verified_primary_email() {
    let flow = start().await;
    // GitHub answers form-encoded unless asked for JSON; Sesame asks.
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "gho_16C7e42F292c6912E7710c838347Ae178B4a", "scope": "read:user,user:email", "token_type": "bearer"})));
    flow.fake.on("GET", USER, json_reply(200, user()));
    let emails = json!([
        {"email": "old@example.com", "verified": true, "primary": false, "visibility": null},
        {"email": "octocat@github.com", "verified": true, "primary": true, "visibility": "public"},
    ]);
    let identity = flow.identity_after("GET", EMAILS, emails).await;
    let token = flow.token_request(TOKEN);
    Flow::assert_post(&token, "client_id");
    assert_eq!(token.header("accept").as_deref(), Some("application/json"));
    for url in [USER, EMAILS] {
        let r = assert_bearer(
            &flow.fake,
            "GET",
            url,
            "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        );
        assert_eq!(
            r.header("accept").as_deref(),
            Some("application/vnd.github+json")
        );
        assert_eq!(
            r.header("x-github-api-version").as_deref(),
            Some("2022-11-28")
        );
        assert!(
            r.header("user-agent")
                .is_some_and(|u| u.starts_with("sesame/")),
            "GitHub requires a User-Agent"
        );
    }
    assert_identity(
        &identity,
        json!({"provider": "github", "id": "583231", "email": "octocat@github.com", "email_verified": true, "name": "The Octocat", "preferred_username": "octocat", "picture": "https://avatars.githubusercontent.com/u/583231?v=4"}),
    );
}

#[tokio::test]
async fn github_unverified_only_emails_are_never_verified() {
    let flow = start().await;
    flow.fake.on("GET", USER, json_reply(200, user()));
    let token = json_reply(
        200,
        json!({"access_token": "gho_x", "token_type": "bearer"}),
    );
    let emails = json!([{"email": "unverified@example.com", "verified": false, "primary": true}]);
    let identity = flow
        .identity_after_token(TOKEN, token, EMAILS, emails)
        .await;
    assert_identity(&identity, json!({"email": null, "email_verified": false}));
}

#[tokio::test]
async fn github_error_in_a_200_token_response() {
    let flow = start().await;
    let error = json!({"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."});
    let got = flow.token_error(TOKEN, 200, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}

#[tokio::test]
async fn github_without_email_scope_falls_back_to_the_unverified_public_email() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        json_reply(
            200,
            json!({"access_token": "gho_x", "token_type": "bearer"}),
        ),
    );
    let mut u = user();
    u["email"] = json!("public@example.com");
    flow.fake.on("GET", USER, json_reply(200, u));
    flow.fake.on(
        "GET",
        EMAILS,
        json_reply(404, json!({"message": "Not Found"})),
    );
    let identity = flow.identity().await;
    assert_identity(
        &identity,
        json!({"email": "public@example.com", "email_verified": false}),
    );
}
