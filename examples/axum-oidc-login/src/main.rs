//! Login with any OpenID Provider, on Axum.
//!
//! Env (a stable contract for external test harnesses):
//! `SESAME_ISSUER`, `SESAME_CLIENT_ID`, `SESAME_CLIENT_SECRET` (empty or
//! unset: public client with PKCE), `SESAME_BIND` (default `127.0.0.1:3000`),
//! `SESAME_PUBLIC_URL` (default `http://` + bind). Optional:
//! `SESAME_CLIENT_AUTH` (`client_secret_basic` default, or `client_secret_post`),
//! `SESAME_LOGIN_TTL_SECS` (pending-login lifetime, default 600).
//!
//! Routes: `GET /login` → 303 to the provider; `GET /callback` → 200 identity
//! JSON, or a 4xx/5xx JSON error.

use axum::{response::IntoResponse, routing::get, Json, Router};
use sesame_axum::SesameAuth;
use sesame_core::client::{Client, ClientConfig, Login};
use sesame_core::login::LoginService;
use sesame_core::provider::{ClientAuth, Provider};
use sesame_core::seal::{Sealer, SealingKey};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let issuer = env("SESAME_ISSUER").ok_or("SESAME_ISSUER is required")?;
    let client_id = env("SESAME_CLIENT_ID").ok_or("SESAME_CLIENT_ID is required")?;
    let bind = env("SESAME_BIND").unwrap_or_else(|| "127.0.0.1:3000".into());
    let public = env("SESAME_PUBLIC_URL").unwrap_or_else(|| format!("http://{bind}"));

    let mut config = ClientConfig::new(
        client_id,
        format!("{}/callback", public.trim_end_matches('/')).parse()?,
    );
    if let Some(secret) = env("SESAME_CLIENT_SECRET") {
        config = config.secret(secret);
    }
    let mut provider = Provider::openid("op", "OpenID Provider", &issuer)?;
    if env("SESAME_CLIENT_AUTH").as_deref() == Some("client_secret_post") {
        provider = provider.client_auth(ClientAuth::Post);
    }
    let client = Client::new(provider, config)?;
    let (key, _) = SealingKey::generate(&ring::rand::SystemRandom::new())?;
    let mut sealer = Sealer::new(key);
    if let Some(ttl) = env("SESAME_LOGIN_TTL_SECS").and_then(|t| t.parse().ok()) {
        sealer = sealer.max_age(std::time::Duration::from_secs(ttl));
    }
    let mut service = LoginService::new(sealer).provider(client);
    if public.starts_with("http://127.0.0.1") || public.starts_with("http://localhost") {
        service = service.insecure_cookies(); // plain-http development only
    }

    let auth = SesameAuth::new(service)?
        .on_login(|login: Login| async move { Json(login.identity).into_response() });
    let (a, b) = (auth.clone(), auth.clone());
    let app =
        Router::new()
            .route(
                "/login",
                get(move |q: axum::extract::RawQuery| async move {
                    a.login("op", q.0.as_deref()).await
                }),
            )
            .route(
                "/callback",
                get(
                    move |q: axum::extract::RawQuery, h: axum::http::HeaderMap| async move {
                        b.callback("op", q.0.as_deref().unwrap_or(""), None, &h)
                            .await
                    },
                ),
            );

    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
