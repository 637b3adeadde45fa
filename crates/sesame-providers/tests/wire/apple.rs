use std::sync::Arc;

use serde_json::json;
use sesame_core::jose::{verify, Algorithm, JwkSet, SigningKey};
use sesame_providers::apple_client_secret::AppleClientSecret;

use super::harness::*;

const ISSUER: &str = "https://appleid.apple.com";
const AUTHORIZE: &str = "https://appleid.apple.com/auth/authorize";
const TOKEN: &str = "https://appleid.apple.com/auth/token";
const JWKS: &str = "https://appleid.apple.com/auth/keys";

#[tokio::test]
async fn apple_form_post_with_minted_es256_secret_and_first_login_name() {
    let (team_key, pkcs8) = SigningKey::generate(Algorithm::ES256, "KEY123").unwrap();
    let minter = Arc::new(AppleClientSecret::from_pkcs8(&pkcs8, "TEAM123", "KEY123").unwrap());
    let flow = Flow::start(sesame_providers::apple(), Secret::Minted(minter), |f| {
        f.serve_jwks(JWKS)
    })
    .await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "name email"),
            ("response_mode", "form_post"),
        ],
        true,
        true,
    );
    // The login cookie must survive Apple's cross-site POST.
    let id_token = Fake::id_token(flow.id_claims(ISSUER, "001234.abcdef", json!({"email": "x7@privaterelay.appleid.com", "email_verified": "true", "is_private_email": "true"})));
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"access_token": "a1b2", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "r1", "id_token": id_token})));
    let user = r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"x7@privaterelay.appleid.com"}"#;
    let (status, identity) = flow.callback(Some(&[("user", user)])).await;
    assert_eq!(status, 200, "{identity}");

    let token = flow.token_request(TOKEN);
    let form = token.form();
    assert_eq!(form.get("client_id").map(String::as_str), Some(CLIENT_ID));
    // The client secret is an ES256 JWT minted by Sesame: verify it.
    let secret = form.get("client_secret").unwrap();
    let keys = JwkSet::from_keys(vec![team_key.verifying_key().unwrap()]);
    let claims = verify(secret, &keys, &[Algorithm::ES256])
        .unwrap()
        .claims()
        .unwrap();
    assert_eq!(claims["iss"], "TEAM123");
    assert_eq!(claims["sub"], CLIENT_ID);
    assert_eq!(claims["aud"], "https://appleid.apple.com");
    assert_identity(
        &identity,
        json!({"provider": "apple", "id": "001234.abcdef", "email": "x7@privaterelay.appleid.com", "email_verified": true, "name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace"}),
    );
}
