//! The env contract of the "Login with any OpenID Provider" examples.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SESAME_ISSUER` | the OpenID Provider's issuer URL | required |
//! | `SESAME_CLIENT_ID` | the client id | required |
//! | `SESAME_CLIENT_SECRET` | the secret; empty or unset = public client with PKCE | unset |
//! | `SESAME_BIND` | listen address | `127.0.0.1:3000` |
//! | `SESAME_PUBLIC_URL` | the app's public base URL (the redirect URI is `{it}/callback`) | `http://` + bind |
//! | `SESAME_CLIENT_AUTH` | `client_secret_basic` or `client_secret_post` | basic |
//! | `SESAME_LOGIN_TTL_SECS` | how long a pending login lives | 600 |
//!
//! Routes every example serves: `GET /login` → 303 to the provider;
//! `GET /callback` → 200 identity JSON, or a 4xx/5xx JSON error.

use std::time::Duration;

use sesame_core::client::{Client, ClientConfig};
use sesame_core::login::LoginService;
use sesame_core::provider::{ClientAuth, Provider};
use sesame_core::seal::{Sealer, SealingKey};

/// The provider id the examples register their one provider under.
pub const PROVIDER: &str = "op";

/// What an example needs to run.
#[derive(Debug)]
pub struct Settings {
    /// The address to listen on.
    pub bind: String,
    /// The login service with the one provider registered.
    pub service: LoginService,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Reads the env contract.
pub fn from_env() -> Result<Settings, String> {
    let issuer = env("SESAME_ISSUER").ok_or("SESAME_ISSUER is required")?;
    let client_id = env("SESAME_CLIENT_ID").ok_or("SESAME_CLIENT_ID is required")?;
    let bind = env("SESAME_BIND").unwrap_or_else(|| "127.0.0.1:3000".into());
    let public = env("SESAME_PUBLIC_URL").unwrap_or_else(|| format!("http://{bind}"));
    let redirect = format!("{}/callback", public.trim_end_matches('/'))
        .parse()
        .map_err(|e| format!("SESAME_PUBLIC_URL: {e}"))?;

    let mut config = ClientConfig::new(client_id, redirect);
    if let Some(secret) = env("SESAME_CLIENT_SECRET") {
        config = config.secret(secret);
    }
    let mut provider = Provider::openid(PROVIDER, "OpenID Provider", &issuer)
        .map_err(|e| format!("SESAME_ISSUER: {e}"))?;
    if env("SESAME_CLIENT_AUTH").as_deref() == Some("client_secret_post") {
        provider = provider.client_auth(ClientAuth::Post);
    }
    let client = Client::new(provider, config).map_err(|e| e.to_string())?;

    // A fresh cookie key per process: fine for one instance. Share a key
    // (SealingKey::from_base64) when several instances serve one site.
    let (key, _) =
        SealingKey::generate(&ring::rand::SystemRandom::new()).map_err(|e| e.to_string())?;
    let mut sealer = Sealer::new(key);
    if let Some(ttl) = env("SESAME_LOGIN_TTL_SECS").and_then(|t| t.parse().ok()) {
        sealer = sealer.max_age(Duration::from_secs(ttl));
    }
    let mut service = LoginService::new(sealer).provider(client);
    if public.starts_with("http://127.0.0.1") || public.starts_with("http://localhost") {
        service = service.insecure_cookies(); // plain-http development only
    }
    Ok(Settings { bind, service })
}
