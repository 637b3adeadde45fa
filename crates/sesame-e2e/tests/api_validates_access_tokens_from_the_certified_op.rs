//! JWT access tokens (RFC 9068, via resource indicators) issued by panva's
//! certified oidc-provider, validated by Sesame's resource-server core with
//! the issuer configured by URL — before and after the OP rotates its keys.
use std::sync::Arc;
use std::time::SystemTime;

use sesame_core::client::{CallbackParams, Client, ClientConfig};
use sesame_core::provider::Provider;
use sesame_core::resource::{BearerValidator, Guard};
use sesame_e2e::*;
use sesame_reqwest::{BearerAuth, Sesame};

const AUDIENCE: &str = "http://127.0.0.1/api";

async fn access_token(op: &Op, sesame: &Sesame, user: &str) -> String {
    let redirect = "http://127.0.0.1:9/callback";
    let provider = Provider::openid("op", "OP", &op.issuer)
        .unwrap()
        .scopes(["openid", "api:read"])
        .authorization_param("resource", AUDIENCE)
        .token_param("resource", AUDIENCE);
    let client = Client::new(
        provider,
        ClientConfig::new("conf-client", redirect.parse().unwrap()).secret("conf-secret"),
    )
    .unwrap();
    let meta = sesame.metadata(&client).await.unwrap();
    let auth = client
        .begin(
            &meta,
            None,
            SystemTime::now(),
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
    let mut b = Browser::new(http_client());
    let mut next = format!("{}&login_hint={user}", auth.url);
    while !next.starts_with(redirect) {
        next = b.get(&next).await.1.expect("redirect");
    }
    let params =
        CallbackParams::from_query(url::Url::parse(&next).unwrap().query().unwrap()).unwrap();
    let (exchange, first) = client
        .callback(
            Arc::clone(&meta),
            &params,
            auth.pending,
            SystemTime::now(),
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
    let login = sesame.drive_login(exchange, first).await.unwrap();
    login.tokens.access_token.expose().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc9068_tokens_from_oidc_provider() {
    let op = Op::start(&["http://127.0.0.1:9/callback".to_owned()]).await;
    let sesame = Arc::new(Sesame::new().unwrap());
    let token = access_token(&op, &sesame, "erin").await;
    assert_eq!(
        sesame_core::jose::Header::peek(&token)
            .unwrap()
            .typ
            .as_deref(),
        Some("at+jwt")
    );

    let trusted = sesame.trusted_issuer(&op.issuer, AUDIENCE).await.unwrap();
    let auth = BearerAuth::new(BearerValidator::new().issuer(trusted), Arc::clone(&sesame));
    let headers = |t: &str| {
        let mut h = http::HeaderMap::new();
        h.insert("authorization", format!("Bearer {t}").parse().unwrap());
        h
    };
    let claims = auth
        .authenticate(&headers(&token), &Guard::new().scope("api:read"))
        .await
        .unwrap();
    assert_eq!(claims.subject, "erin");
    assert_eq!(claims.client_id.as_deref(), Some("conf-client"));
    assert_eq!(
        auth.authenticate(&headers(&token), &Guard::new().scope("api:write"))
            .await
            .unwrap_err(),
        sesame_core::resource::BearerError::InsufficientScope("api:write".into())
    );

    // The OP rotates its keys; the next token carries a kid the API has never seen.
    op.rotate_keys().await;
    let rotated = access_token(&op, &sesame, "frank").await;
    assert_eq!(
        auth.authenticate(&headers(&rotated), &Guard::new())
            .await
            .unwrap()
            .subject,
        "frank"
    );
    op.stop().await;
}
