use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://api.notion.com/v1/oauth/authorize";
const TOKEN: &str = "https://api.notion.com/v1/oauth/token";

fn token(owner: serde_json::Value) -> serde_json::Value {
    json!({"access_token": "secret_9nXv4Tp", "token_type": "bearer", "bot_id": "b3414d65-1224-4ff7-9ffe-cc9d8773d601", "workspace_id": "9cd00b17-2882-41b0-8a74-6a9d9cc36f72", "workspace_name": "Ada's Notion Workspace", "workspace_icon": "https://website.domain/images/image.png", "owner": owner, "duplicated_template_id": null, "request_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"})
}

fn person(email: Option<&str>) -> serde_json::Value {
    let person = match email {
        Some(e) => json!({"email": e}),
        None => json!({}),
    };
    json!({"type": "user", "user": {"object": "user", "id": "5389a034-eb5c-47b5-8a9e-f79c99ef166c", "name": "Ada Lovelace", "avatar_url": "https://s3-us-west-2.amazonaws.com/public.notion-static.com/ada.png", "type": "person", "person": person}})
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::notion()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("owner", "user")],
        true,
        false,
    );
    flow
}

#[tokio::test]
async fn notion_identity_comes_from_the_token_response() {
    let flow = start().await;
    let tokens = token(person(Some("ada@example.com")));
    let identity = flow.identity_after("POST", TOKEN, tokens).await;
    let r = json_token_request(&flow, TOKEN);
    Flow::assert_basic(&r);
    assert!(r.json().get("client_secret").is_none());
    assert_eq!(r.header("notion-version").as_deref(), Some("2022-06-28"));
    // Nothing but the token exchange.
    assert_eq!(flow.fake.requests().len(), 1);
    assert_identity(
        &identity,
        json!({"provider": "notion", "id": "5389a034-eb5c-47b5-8a9e-f79c99ef166c", "email": "ada@example.com", "email_verified": false, "name": "Ada Lovelace", "picture": "https://s3-us-west-2.amazonaws.com/public.notion-static.com/ada.png"}),
    );
}

#[tokio::test]
async fn notion_without_the_email_capability() {
    let flow = start().await;
    let identity = flow
        .identity_after("POST", TOKEN, token(person(None)))
        .await;
    assert_identity(
        &identity,
        json!({"id": "5389a034-eb5c-47b5-8a9e-f79c99ef166c", "email": null, "email_verified": false}),
    );
}

#[tokio::test]
async fn notion_workspace_owned_token_is_refused() {
    let flow = start().await;
    flow.fake.on(
        "POST",
        TOKEN,
        json_reply(200, token(json!({"type": "workspace", "workspace": true}))),
    );
    let got = flow.callback_error().await;
    assert_eq!(got, (502, Some("provider_error".into())));
}

common_cases! {
    start: start(), token: TOKEN;
    invalid_grant: 400, json!({"error": "invalid_grant", "error_description": "Invalid code: this code has been revoked."});
}
