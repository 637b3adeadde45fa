use serde_json::{json, Value};

use super::harness::*;

const AUTHORIZE: &str = "https://www.strava.com/oauth/authorize";
const TOKEN: &str = "https://www.strava.com/oauth/token";

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::strava()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[("client_id", CLIENT_ID), ("scope", "read")],
        false,
        false,
    );
    flow
}

fn tokens(athlete: Value) -> Value {
    json!({"token_type": "Bearer", "expires_at": 1568775134, "expires_in": 21600, "refresh_token": "e5n567567abc", "access_token": "a4b945687gabc", "athlete": athlete})
}

#[tokio::test]
async fn strava_login_athlete_from_the_token_response() {
    let flow = start().await;
    let athlete = json!({"id": 134815, "username": "marianne_t", "resource_state": 2, "firstname": "Marianne", "lastname": "Teutenberg", "bio": "", "city": "San Francisco", "state": "CA", "country": "US", "sex": "F", "premium": true, "summit": true, "created_at": "2017-11-14T02:30:05Z", "updated_at": "2018-02-06T19:32:20Z", "badge_type_id": 4, "weight": 0, "profile_medium": "https://dgalywyr863hv.cloudfront.net/pictures/athletes/134815/2/medium.jpg", "profile": "https://dgalywyr863hv.cloudfront.net/pictures/athletes/134815/2/large.jpg", "friend": null, "follower": null});
    let identity = flow.identity_after("POST", TOKEN, tokens(athlete)).await;
    Flow::assert_post(&flow.token_request(TOKEN), "client_id");
    // No profile call: only the token request reached the fake.
    assert_eq!(flow.fake.requests().len(), 1);
    assert_identity(
        &identity,
        json!({"provider": "strava", "id": "134815", "email": null, "email_verified": false, "name": "Marianne Teutenberg", "given_name": "Marianne", "family_name": "Teutenberg", "preferred_username": "marianne_t", "picture": "https://dgalywyr863hv.cloudfront.net/pictures/athletes/134815/2/large.jpg"}),
    );
}

#[tokio::test]
async fn strava_placeholder_avatar_is_dropped() {
    let flow = start().await;
    let athlete = json!({"id": 1, "username": null, "firstname": "Ann", "lastname": "", "profile": "avatar/athlete/large.png"});
    let identity = flow.identity_after("POST", TOKEN, tokens(athlete)).await;
    assert_identity(
        &identity,
        json!({"id": "1", "name": "Ann", "preferred_username": null, "picture": null}),
    );
}

#[tokio::test]
async fn strava_token_error_is_a_provider_error() {
    let flow = start().await;
    let error = json!({"message": "Bad Request", "errors": [{"resource": "AuthorizationCode", "field": "code", "code": "invalid"}]});
    let got = flow.token_error(TOKEN, 400, error).await;
    assert_eq!(got, (502, Some("provider_error".into())));
}
