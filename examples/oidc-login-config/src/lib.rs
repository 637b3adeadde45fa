//! The env contract of the "Login with any OpenID Provider" examples.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `SESAME_ISSUER` | the OpenID Provider's issuer URL | required |
//! | `SESAME_CLIENT_ID` | the client id | required |
//! | `SESAME_CLIENT_SECRET` | the secret; empty or unset = public client with PKCE | unset |
//! | `SESAME_BIND` | listen address | `127.0.0.1:3000` |
//! | `SESAME_PUBLIC_URL` | the app's public base URL (the redirect URI is `{it}/callback`) | `http://` + bind |
//! | `SESAME_CLIENT_AUTH` | `client_secret_basic`, `client_secret_post` or `private_key_jwt` | basic |
//! | `SESAME_CLIENT_KEY_FILE` | with `private_key_jwt`: the client's private JWK (JSON, with `kid`) | required then |
//! | `SESAME_LOGIN_TTL_SECS` | how long a pending login lives | 600 |
//! | `SESAME_COOKIE_KEY` | base64url 32-byte key sealing login and session cookies (share it across instances) | fresh per process |
//! | `SESAME_SESSION_STORE` | `memory`, or `redis://…` (a cluster: several URLs, comma-separated) | `memory` |
//! | `SESAME_SESSION_STORAGE` | `server` (tokens in the store) or `cookie` (sealed in the cookie) | `server` |
//! | `SESAME_REFRESH_MARGIN_SECS` | refresh an access token expiring within this many seconds | 60 |
//! | `SESAME_DPOP` | `off`, or `per-login`: tokens bound with DPoP to a key each login makes and its session keeps | `off` |
//! | `SESAME_PROFILE` | `fapi2`: the FAPI 2.0 client profile (PAR always, `iss` required; needs `private_key_jwt` and `SESAME_DPOP`) | unset |
//!
//! Routes every example serves:
//!
//! | route | answer |
//! |---|---|
//! | `GET /login` | 303 to the provider |
//! | `GET /callback` | 200 identity JSON and the session cookie, or a 4xx/502 JSON error |
//! | `GET /me` | 200 identity JSON of the live session (with `id`), 401 JSON without one |
//! | `GET /userinfo` | the provider's userinfo with the session's access token, refreshed when due |
//! | `GET /logout` | ends the session everywhere, 303 to the provider's `end_session_endpoint` with `id_token_hint`, `post_logout_redirect_uri` (`{public}/logout/callback`), `client_id` and `state` |
//! | `GET /logout/callback` | checks `state`, then 303 to `/` (400 JSON on a mismatch) |
//! | `POST /backchannel-logout` | form field `logout_token`: 200 `no-store`, or 400 JSON with no session touched |
//! | `GET /` | 200 `{"signed_in": bool}` |

use std::time::Duration;

use sesame_core::client::{Client, ClientConfig};
use sesame_core::login::LoginService;
use sesame_core::provider::{ClientAuth, Provider};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::session::{SessionConfig, SessionStorage, Sessions};

/// The provider id the examples register their one provider under.
pub const PROVIDER: &str = "op";

/// What an example needs to run.
#[derive(Debug)]
pub struct Settings {
    /// The address to listen on.
    pub bind: String,
    /// The login service with the one provider registered.
    pub service: LoginService,
    /// The session rules.
    pub sessions: Sessions,
    /// Where the sessions live.
    pub session_store: StoreChoice,
    /// Where the provider sends the browser after logout.
    pub post_logout_redirect_uri: url::Url,
}

/// `SESAME_SESSION_STORE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    /// In this process.
    Memory,
    /// Redis (or a cluster): the env value as given.
    Redis(String),
}

/// The key prefix the examples' session store uses in Redis.
pub const REDIS_PREFIX: &str = "sesame-rp";

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
    if env("SESAME_CLIENT_AUTH").as_deref() == Some("private_key_jwt") {
        let path = env("SESAME_CLIENT_KEY_FILE")
            .ok_or("SESAME_CLIENT_KEY_FILE is required with private_key_jwt")?;
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("SESAME_CLIENT_KEY_FILE: {e}"))?;
        let jwk: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("SESAME_CLIENT_KEY_FILE: {e}"))?;
        let kid = jwk["kid"]
            .as_str()
            .ok_or("SESAME_CLIENT_KEY_FILE: the JWK has no kid")?
            .to_owned();
        let key = sesame_core::jose::SigningKey::from_jwk(&jwk, kid)
            .map_err(|e| format!("SESAME_CLIENT_KEY_FILE: {e}"))?;
        config = config.private_key_jwt(key);
    }
    match env("SESAME_DPOP").as_deref() {
        None | Some("off") => {}
        Some("per-login") => {
            config = config.dpop_per_login(sesame_core::dpop::ProofKey::DEFAULT_ALGORITHM);
        }
        Some(other) => return Err(format!("SESAME_DPOP: {other:?} is not off or per-login")),
    }
    match env("SESAME_PROFILE").as_deref() {
        None => {}
        Some("fapi2") => config = config.fapi2(),
        Some(other) => return Err(format!("SESAME_PROFILE: {other:?} is not fapi2")),
    }
    let mut provider = Provider::openid(PROVIDER, "OpenID Provider", &issuer)
        .map_err(|e| format!("SESAME_ISSUER: {e}"))?;
    if env("SESAME_CLIENT_AUTH").as_deref() == Some("client_secret_post") {
        provider = provider.client_auth(ClientAuth::Post);
    }
    let client = Client::new(provider, config).map_err(|e| e.to_string())?;

    // A fresh cookie key per process is fine for one instance; several
    // instances serving one site share SESAME_COOKIE_KEY.
    let key = || -> Result<SealingKey, String> {
        match env("SESAME_COOKIE_KEY") {
            Some(k) => SealingKey::from_base64(&k).map_err(|e| format!("SESAME_COOKIE_KEY: {e}")),
            None => SealingKey::generate(&ring::rand::SystemRandom::new())
                .map(|(k, _)| k)
                .map_err(|e| e.to_string()),
        }
    };
    let mut sealer = Sealer::new(key()?);
    if let Some(ttl) = env("SESAME_LOGIN_TTL_SECS").and_then(|t| t.parse().ok()) {
        sealer = sealer.max_age(Duration::from_secs(ttl));
    }
    let mut service = LoginService::new(sealer).provider(client);
    let loopback = public.starts_with("http://127.0.0.1") || public.starts_with("http://localhost");
    if loopback {
        service = service.insecure_cookies(); // plain-http development only
    }

    let storage = match env("SESAME_SESSION_STORAGE").as_deref() {
        None | Some("server") => SessionStorage::Server,
        Some("cookie") => SessionStorage::Cookie,
        Some(other) => {
            return Err(format!(
                "SESAME_SESSION_STORAGE: {other:?} is not server or cookie"
            ))
        }
    };
    let mut config = SessionConfig::default().storage(storage);
    if let Some(margin) = env("SESAME_REFRESH_MARGIN_SECS") {
        let secs = margin
            .parse()
            .map_err(|_| format!("SESAME_REFRESH_MARGIN_SECS: {margin:?} is not a number"))?;
        config = config.refresh_margin(Duration::from_secs(secs));
    }
    if loopback {
        config = config.insecure_cookies();
    }
    // The sessions' sealer: the same key, other purposes (neither cookie opens as the other).
    let sessions = Sessions::new(config, Sealer::new(key()?));
    let session_store = match env("SESAME_SESSION_STORE").as_deref() {
        None | Some("memory") => StoreChoice::Memory,
        Some(v) if v.starts_with("redis://") || v.starts_with("rediss://") => {
            StoreChoice::Redis(v.to_owned())
        }
        Some(other) => {
            return Err(format!(
                "SESAME_SESSION_STORE: {other:?} is not memory or redis://…"
            ))
        }
    };
    let post_logout_redirect_uri = format!("{}/logout/callback", public.trim_end_matches('/'))
        .parse()
        .map_err(|e| format!("SESAME_PUBLIC_URL: {e}"))?;
    Ok(Settings {
        bind,
        service,
        sessions,
        session_store,
        post_logout_redirect_uri,
    })
}
