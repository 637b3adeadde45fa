use serde_json::json;

use super::harness::*;

const TEMPLATE_ISSUER: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
const ISSUER: &str = "https://login.microsoftonline.com/common/v2.0";
const AUTHORIZE: &str = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize";
const TOKEN: &str = "https://login.microsoftonline.com/common/oauth2/v2.0/token";
const JWKS: &str = "https://login.microsoftonline.com/common/discovery/v2.0/keys";
const ME: &str = "https://graph.microsoft.com/v1.0/me";
const TID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

fn discovery(fake: &Fake) {
    // Multi-tenant discovery declares the templated issuer.
    fake.serve_discovery(
        ISSUER,
        Some(TEMPLATE_ISSUER),
        &[
            ("authorization_endpoint", AUTHORIZE),
            ("token_endpoint", TOKEN),
            ("jwks_uri", JWKS),
        ],
    );
    fake.serve_jwks(JWKS);
}

fn claims(flow: &Flow, tid: &str) -> serde_json::Value {
    let iss = format!("https://login.microsoftonline.com/{tid}/v2.0");
    flow.id_claims(
        &iss,
        "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        json!({"tid": tid, "name": "Megan Bowen", "preferred_username": "megan@contoso.com"}),
    )
}

#[tokio::test]
async fn microsoft_common_tenant_with_templated_issuer() {
    let flow = Flow::start(
        sesame_providers::microsoft("common"),
        Secret::Static(CLIENT_SECRET),
        discovery,
    )
    .await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "openid email profile User.Read"),
        ],
        true,
        true,
    );
    let id_token = Fake::id_token(claims(&flow, TID));
    let token = json_reply(
        200,
        json!({"token_type": "Bearer", "scope": "openid profile email User.Read", "expires_in": 3599, "access_token": "eyJ0eXAiOi", "id_token": id_token}),
    );
    let profile = json!({"id": "87d349ed", "displayName": "Megan Bowen", "givenName": "Megan", "surname": "Bowen", "mail": null, "userPrincipalName": "megan@contoso.com"});
    let identity = flow.identity_after_token(TOKEN, token, ME, profile).await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    assert_bearer(&flow.fake, "GET", ME, "eyJ0eXAiOi");
    // Graph `mail` is null: the email falls back to preferred_username, never verified.
    assert_identity(
        &identity,
        json!({"provider": "microsoft", "email": "megan@contoso.com", "email_verified": false, "name": "Megan Bowen", "given_name": "Megan", "family_name": "Bowen"}),
    );
}

#[tokio::test]
async fn microsoft_id_token_issuer_must_match_its_tid() {
    let flow = Flow::start(
        sesame_providers::microsoft("common"),
        Secret::Static(CLIENT_SECRET),
        discovery,
    )
    .await;
    let mut c = claims(&flow, TID);
    c["tid"] = json!("another-tenant");
    flow.fake.on(
        "POST",
        TOKEN,
        json_reply(
            200,
            json!({"token_type": "Bearer", "access_token": "t", "id_token": Fake::id_token(c)}),
        ),
    );
    let got = flow.callback_error().await;
    assert_eq!(got, (502, Some("invalid_id_token".into())));
}
