use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://bitbucket.org/site/oauth2/authorize";
const TOKEN: &str = "https://bitbucket.org/site/oauth2/access_token";
const USER: &str = "https://api.bitbucket.org/2.0/user";
const EMAILS: &str = "https://api.bitbucket.org/2.0/user/emails";

fn user() -> serde_json::Value {
    json!({"type": "user", "uuid": "{d301aafa-d676-4ee0-88be-962be7417567}", "account_id": "557058:f6a5e1a6-1b8f-4a1f-9b33-1e4c2f0b2e6b", "nickname": "jdoe", "display_name": "Jane Doe", "account_status": "active", "created_on": "2018-03-20T12:00:00.000000+00:00", "has_2fa_enabled": null, "links": {"self": {"href": "https://api.bitbucket.org/2.0/users/%7Bd301aafa-d676-4ee0-88be-962be7417567%7D"}, "avatar": {"href": "https://secure.gravatar.com/avatar/0f1a?d=identicon"}, "html": {"href": "https://bitbucket.org/%7Bd301aafa-d676-4ee0-88be-962be7417567%7D/"}}})
}

fn email(address: &str, primary: bool, confirmed: bool) -> serde_json::Value {
    json!({"is_primary": primary, "is_confirmed": confirmed, "type": "email", "email": address, "links": {"self": {"href": format!("https://api.bitbucket.org/2.0/user/emails/{address}")}}})
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::bitbucket()).await;
    // No scope parameter: Bitbucket uses the consumer's permissions.
    flow.assert_authorize(AUTHORIZE, &[("client_id", CLIENT_ID)], true, false);
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "bb-access-token", "scopes": "account email", "expires_in": 7200, "refresh_token": "bb-refresh", "token_type": "bearer", "state": "authorization_code"})));
    flow.fake.on("GET", USER, json_reply(200, user()));
    flow
}

#[tokio::test]
async fn bitbucket_login_uses_the_primary_confirmed_email() {
    let flow = start().await;
    let emails = json!({"pagelen": 10, "values": [email("old@example.com", false, true), email("jane@example.com", true, true)], "page": 1, "size": 2});
    let identity = flow.identity_after("GET", EMAILS, emails).await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    assert_bearer(&flow.fake, "GET", USER, "bb-access-token");
    assert_bearer(&flow.fake, "GET", EMAILS, "bb-access-token");
    assert_identity(
        &identity,
        json!({"provider": "bitbucket", "id": "{d301aafa-d676-4ee0-88be-962be7417567}", "email": "jane@example.com", "email_verified": true, "name": "Jane Doe", "preferred_username": "jdoe", "picture": "https://secure.gravatar.com/avatar/0f1a?d=identicon"}),
    );
}

#[tokio::test]
async fn bitbucket_unconfirmed_primary_email_is_never_used() {
    let flow = start().await;
    let emails = json!({"pagelen": 10, "values": [email("jane@example.com", true, false), email("other@example.com", false, true)], "page": 1, "size": 2});
    let identity = flow.identity_after("GET", EMAILS, emails).await;
    assert_identity(&identity, json!({"email": null, "email_verified": false}));
}

#[tokio::test]
async fn bitbucket_without_email_permission() {
    let flow = start().await;
    flow.fake.on("GET", EMAILS, json_reply(403, json!({"type": "error", "error": {"message": "Your credentials lack one or more required privilege scopes.", "detail": {"granted": ["account"], "required": ["email"]}}})));
    let identity = flow.identity().await;
    assert_identity(
        &identity,
        json!({"id": "{d301aafa-d676-4ee0-88be-962be7417567}", "email": null, "email_verified": false}),
    );
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::bitbucket()), token: TOKEN;
    invalid_grant: 400, json!({"error_description": "The specified code is not valid.", "error": "invalid_grant"});
}
