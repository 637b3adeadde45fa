//! Runs "Login with Mastodon" on Axum.
//!
//! Env: `MASTODON_INSTANCE` (e.g. `https://mastodon.social`),
//! `MASTODON_CLIENT_ID`, `MASTODON_CLIENT_SECRET`, `SESAME_BIND`
//! (default `127.0.0.1:3000`). Register `http://<bind>/auth/mastodon/callback`
//! as the app's redirect URI on the instance.

use axum::Router;
use sesame_axum::SesameAuth;
use sesame_core::client::{Client, ClientConfig};
use sesame_core::login::LoginService;
use sesame_core::seal::{Sealer, SealingKey};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |k: &str| std::env::var(k).map_err(|_| format!("{k} is required"));
    let bind = std::env::var("SESAME_BIND").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let config = ClientConfig::new(
        var("MASTODON_CLIENT_ID")?,
        format!("http://{bind}/auth/mastodon/callback").parse()?,
    )
    .secret(var("MASTODON_CLIENT_SECRET")?);
    let client = Client::new(
        custom_provider::mastodon(&var("MASTODON_INSTANCE")?)?,
        config,
    )?;
    let (key, _) = SealingKey::generate(&ring::rand::SystemRandom::new())?;
    let service = LoginService::new(Sealer::new(key))
        .insecure_cookies()
        .provider(client);
    let app: Router = Router::new().nest("/auth", SesameAuth::new(service)?.router());
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("open http://{bind}/auth/mastodon/login");
    sesame_axum::serve(listener, app, sesame_axum::ServerLimits::default()).await?;
    Ok(())
}
