//! The Sesame side of `cargo xtask bench --peers`: a plain OAuth 2.0 login
//! (no ID token, so it does the same provider work as the peers: one token
//! request and one userinfo request), on Axum, without sessions.
//!
//! Sesame does besides: PKCE (S256), the state and the verifier sealed in
//! one cookie (AES-GCM, bound to the login's expiry), the identity mapped
//! from the userinfo claims.

use axum::extract::RawQuery;
use axum::http::HeaderMap;
use axum::{routing::get, Router};
use sesame_axum::SesameAuth;
use sesame_core::client::{Client, ClientConfig};
use sesame_core::login::LoginService;
use sesame_core::provider::{ApiCall, Provider};
use sesame_core::seal::{Sealer, SealingKey};

const PROVIDER: &str = "mock";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (idp, bind) = peer_apps::env()?;
    let provider = Provider::oauth2(
        PROVIDER,
        "Mock IdP",
        &format!("{idp}/authorize"),
        &format!("{idp}/token"),
    )?
    .scopes(["profile", "email"])
    .userinfo_url(&format!("{idp}/userinfo"))?
    .call(ApiCall::userinfo());
    let config = ClientConfig::new(
        peer_apps::CLIENT_ID,
        format!("http://{bind}/callback").parse()?,
    )
    .secret(peer_apps::CLIENT_SECRET);
    let client = Client::new(provider, config)?;
    let (key, _) = SealingKey::generate(&ring::rand::SystemRandom::new())?;
    let service = LoginService::new(Sealer::new(key))
        .insecure_cookies()
        .provider(client);
    let auth = SesameAuth::new(service)?;
    let (a, b) = (auth.clone(), auth);
    let app = Router::new()
        .route(
            "/login",
            get(move |RawQuery(q): RawQuery| async move { a.login(PROVIDER, q.as_deref()).await }),
        )
        .route(
            "/callback",
            get(move |RawQuery(q): RawQuery, h: HeaderMap| async move {
                b.callback(PROVIDER, q.as_deref(), None, &h).await
            }),
        );
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    sesame_axum::serve(listener, app, sesame_axum::ServerLimits::default()).await?;
    Ok(())
}
