use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://secure.soundcloud.com/authorize";
const TOKEN: &str = "https://secure.soundcloud.com/oauth/token";
const ME: &str = "https://api.soundcloud.com/me";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::soundcloud()).await;
    // No scopes; PKCE is mandatory.
    flow.assert_authorize(AUTHORIZE, &[("client_id", CLIENT_ID)], true, false);
    flow
}

#[tokio::test]
async fn soundcloud_login_uses_the_oauth_scheme() {
    let flow = start().await;
    let token = json_reply(
        200,
        json!({"access_token": "2-290293--ScCgYtG2Xa3bVcDd", "token_type": "bearer", "expires_in": 3599, "refresh_token": "kQjRVBmk5jX0dJ1KcTTyyL", "scope": ""}),
    );
    let profile = json!({"avatar_url": "https://i1.sndcdn.com/avatars-000123456789-abcdef-large.jpg", "city": "Berlin", "country": "Germany", "description": "Producer", "first_name": "Jane", "last_name": "Doe", "full_name": "Jane Doe", "followers_count": 42, "id": 123456789, "kind": "user", "permalink": "janedoe", "permalink_url": "https://soundcloud.com/janedoe", "uri": "https://api.soundcloud.com/users/123456789", "urn": "soundcloud:users:123456789", "username": "Jane Doe"});
    let identity = flow.identity_after_token(TOKEN, token, ME, profile).await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    let r = flow.fake.request_to("GET", ME);
    assert_eq!(
        r.header("authorization").as_deref(),
        Some("OAuth 2-290293--ScCgYtG2Xa3bVcDd")
    );
    assert_eq!(
        r.header("accept").as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_identity(
        &identity,
        json!({"provider": "soundcloud", "id": "123456789", "email": null, "email_verified": false, "name": "Jane Doe", "given_name": "Jane", "family_name": "Doe", "preferred_username": "janedoe", "picture": "https://i1.sndcdn.com/avatars-000123456789-abcdef-large.jpg"}),
    );
}

#[tokio::test]
async fn soundcloud_profile_without_names_falls_back_to_the_username() {
    let flow = start().await;
    let token = json_reply(200, json!({"access_token": "t", "token_type": "bearer"}));
    let profile = json!({"id": 42, "kind": "user", "permalink": "dj42", "username": "DJ 42", "full_name": "", "first_name": "", "last_name": "", "avatar_url": "https://a1.sndcdn.com/images/default_avatar_large.png"});
    let identity = flow.identity_after_token(TOKEN, token, ME, profile).await;
    assert_identity(
        &identity,
        json!({"id": "42", "name": "DJ 42", "given_name": null, "email": null, "email_verified": false}),
    );
}

#[tokio::test]
async fn soundcloud_token_error() {
    let flow = start().await;
    let error = json!({"error": "invalid_client"});
    let got = flow.token_error(TOKEN, 401, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
