//! The library used directly (no example app): a login driven through the
//! real OP, then a refresh whose new ID token keeps iss and sub.
use std::sync::Arc;
use std::time::SystemTime;

use sesame_core::client::{CallbackParams, Client, ClientConfig};
use sesame_core::provider::Provider;
use sesame_e2e::*;
use sesame_reqwest::Sesame;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_then_refresh() {
    let redirect = "http://127.0.0.1:9/callback".to_owned();
    let op = Op::start(std::slice::from_ref(&redirect)).await;
    let sesame = Sesame::new().unwrap();
    for (id, secret) in [("conf-client", Some("conf-secret")), ("pub-client", None)] {
        let mut config = ClientConfig::new(id, redirect.parse().unwrap());
        if let Some(s) = secret {
            config = config.secret(s);
        }
        let client =
            Client::new(Provider::openid("op", "OP", &op.issuer).unwrap(), config).unwrap();
        let meta = sesame.metadata(&client).await.unwrap();
        let rng = ring::rand::SystemRandom::new();
        let auth = client.begin(&meta, None, SystemTime::now(), &rng).unwrap();

        // Follow the OP's redirects until it sends the browser to the redirect URI.
        let mut b = Browser::new(http_client());
        let mut next = format!("{}&login_hint=refresher", auth.url);
        let callback = loop {
            if next.starts_with(&redirect) {
                break next;
            }
            next = b.get(&next).await.1.expect("redirect");
        };
        let query = url::Url::parse(&callback)
            .unwrap()
            .query()
            .unwrap()
            .to_owned();
        let params = CallbackParams::from_query(&query).unwrap();
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
        assert_eq!(login.identity.id, "refresher");
        assert_eq!(
            login.identity.email.as_deref(),
            Some("refresher@example.test")
        );
        assert!(
            login.identity.raw.get("email_verified").is_some(),
            "userinfo claims present"
        );
        let claims = login
            .tokens
            .id_token_claims
            .clone()
            .expect("validated id token");
        let rt = login.tokens.refresh_token.clone().expect("refresh token");

        let refreshed = sesame.refresh(&client, &rt, Some(&claims)).await.unwrap();
        assert_ne!(refreshed.access_token, login.tokens.access_token);
        let new_claims = refreshed
            .id_token_claims
            .expect("id token on refresh is validated");
        assert_eq!(new_claims.subject, "refresher");
        assert_eq!(new_claims.issuer, op.issuer);

        // The used refresh token of a public client is rotated: reusing it fails cleanly.
        if secret.is_none() {
            let err = sesame
                .refresh(&client, &rt, Some(&claims))
                .await
                .unwrap_err();
            assert_eq!(err.code(), "invalid_grant");
        }
    }
    op.stop().await;
}
