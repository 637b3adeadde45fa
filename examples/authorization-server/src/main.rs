//! An OAuth 2.0 / OpenID Connect authorization server on Axum.
//!
//! Env (a stable contract for external test harnesses):
//! `SESAME_BIND` (default `127.0.0.1:4000`), `SESAME_ISSUER` (default
//! `http://` + bind), `SESAME_CLIENT_ID`, `SESAME_CLIENT_SECRET` (empty =
//! public client), `SESAME_REDIRECT_URIS` (comma-separated), `SESAME_USERS`
//! (`user:password[:role]`, comma-separated; tokens carry `role`). The login
//! form's fields are `username` and `password`. Optional social login (any
//! OpenID Provider, shown as a "Continue with …" button): `SESAME_SOCIAL_ISSUER`,
//! `SESAME_SOCIAL_CLIENT_ID`, `SESAME_SOCIAL_CLIENT_SECRET`; its callback is
//! `{issuer}/auth/social/callback`. Keys: `SESAME_SIGNING_KEY_FILE` (a JSON
//! JWK Set of private keys, each with a `kid`; the first key of each
//! algorithm signs) and `SESAME_COOKIE_KEY` (base64url of 32 bytes); without
//! them, fresh keys (RS256 for ID tokens, ES256 for access tokens) are made
//! at start-up. State: `SESAME_REDIS_URL` (a `redis://` URL; a
//! comma-separated list of node URLs means Redis Cluster; key prefix
//! `SESAME_REDIS_PREFIX`, default `sesame`), else in memory. With the same
//! `SESAME_ISSUER`, keys and Redis, several instances act as one server.
//! `SESAME_REQUIRE_PAR=1`: authorization requests only through the pushed
//! authorization request endpoint (`POST /par`, RFC 9126; always offered).
//! `SESAME_CLIENT_JWKS_FILE`: a public JWK Set; the client then
//! authenticates with `private_key_jwt` (RFC 7523) instead of a secret.
//! `SESAME_CLIENT_JWKS_URI` (instead of the file; not both): the URL where
//! the client publishes its public JWK Set, fetched (5 s timeout, no
//! redirects, at most 64 KiB), cached for its `Cache-Control: max-age`
//! and refetched when an assertion names a new `kid` — the client rotates
//! its key by publishing the next one there first.
//! `SESAME_REQUIRE_DPOP=1`: every token request needs a DPoP proof (RFC
//! 9449; DPoP is always accepted, and `/userinfo` takes DPoP-bound
//! tokens with their proof). `SESAME_DPOP_NONCE_KEY` (base64url of 32
//! bytes, the same on every instance): DPoP proofs must carry a server
//! nonce. `SESAME_PROFILE=fapi2`: the FAPI 2.0 Security Profile (PAR,
//! DPoP and `private_key_jwt` required, the issuer as the assertion's `aud`).

use std::sync::Arc;

use axum::response::IntoResponse;
use serde_json::{json, Map};
use sesame_axum::SesameAuth;
use sesame_core::client::{Client, ClientConfig, Login};
use sesame_core::login::LoginService;
use sesame_core::provider::Provider;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, ClientKeysFetcher, KeysFetchError, LoginButton,
    LoginPage, RegisteredClient, ServerConfig, StaticUsers,
};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn users(spec: &str) -> StaticUsers {
    spec.split(',')
        .filter(|s| !s.is_empty())
        .fold(StaticUsers::default(), |users, entry| {
            let mut parts = entry.splitn(3, ':');
            let (user, password) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let mut claims = Map::new();
            if let Some(role) = parts.next() {
                claims.insert("role".into(), json!(role));
            }
            users.user(user, password, claims)
        })
}

/// Fetches a client's JWK Set from its `jwks_uri` with reqwest (through
/// sesame-reqwest's client: no redirects), with timeouts and a size cap.
#[derive(Debug)]
struct JwksFetcher(sesame_reqwest::HttpClient);

impl JwksFetcher {
    fn new() -> Result<Self, sesame_reqwest::HttpError> {
        let http = sesame_reqwest::HttpClient::with_timeouts(
            std::time::Duration::from_secs(2),
            std::time::Duration::from_secs(5),
        )?
        .max_body(64 * 1024);
        Ok(Self(http))
    }
}

#[async_trait::async_trait]
impl ClientKeysFetcher for JwksFetcher {
    async fn fetch(&self, jwks_uri: &url::Url) -> Result<http::Response<Vec<u8>>, KeysFetchError> {
        let request = http::Request::get(jwks_uri.as_str())
            .header(http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(|_| KeysFetchError::Unreachable)?;
        self.0.execute(request).await.map_err(|e| match e {
            sesame_reqwest::HttpError::Timeout => KeysFetchError::Timeout,
            sesame_reqwest::HttpError::TooLarge => KeysFetchError::TooLarge,
            _ => KeysFetchError::Unreachable,
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bind = env("SESAME_BIND").unwrap_or_else(|| "127.0.0.1:4000".into());
    let issuer = env("SESAME_ISSUER").unwrap_or_else(|| format!("http://{bind}"));
    let client_id = env("SESAME_CLIENT_ID").unwrap_or_else(|| "demo-client".into());
    let redirects = env("SESAME_REDIRECT_URIS").unwrap_or_default();
    let secret = env("SESAME_CLIENT_SECRET");
    let user_spec = env("SESAME_USERS")
        .unwrap_or_else(|| "alice:alice-password:admin,bob:bob-password:user".into());

    let redirect_uris = redirects.split(',').collect::<Vec<_>>();
    let jwks_uri = match (
        env("SESAME_CLIENT_JWKS_FILE"),
        env("SESAME_CLIENT_JWKS_URI"),
    ) {
        (Some(_), Some(_)) => {
            return Err(
                "SESAME_CLIENT_JWKS_FILE and SESAME_CLIENT_JWKS_URI are exclusive: set one".into(),
            )
        }
        (_, Some(uri)) => {
            Some(url::Url::parse(&uri).map_err(|e| format!("SESAME_CLIENT_JWKS_URI {uri}: {e}"))?)
        }
        (_, None) => None,
    };
    let client = match (env("SESAME_CLIENT_JWKS_FILE"), &jwks_uri) {
        (None, Some(uri)) => {
            RegisteredClient::private_key_jwt_uri(client_id, uri.clone(), &redirect_uris)
        }
        (Some(path), _) => {
            let text =
                std::fs::read(&path).map_err(|e| format!("SESAME_CLIENT_JWKS_FILE {path}: {e}"))?;
            let jwks = sesame_core::jose::JwkSet::parse(&text)
                .map_err(|e| format!("SESAME_CLIENT_JWKS_FILE {path}: {e}"))?;
            if jwks.keys().is_empty() {
                return Err(format!("SESAME_CLIENT_JWKS_FILE {path}: no usable public key").into());
            }
            RegisteredClient::private_key_jwt(client_id, jwks, &redirect_uris)
        }
        (None, None) => RegisteredClient::new(client_id, secret.as_deref(), &redirect_uris),
    };
    // RS256 ID tokens and ES256 access tokens; with SESAME_SIGNING_KEY_FILE
    // and SESAME_COOKIE_KEY shared, instances act as one server.
    let mut config = ServerConfig::new(&issuer)
        .scopes(["api:read"])
        .client(client);
    if jwks_uri.is_some() {
        config = config.client_keys_fetcher(Arc::new(JwksFetcher::new()?));
    }
    if env("SESAME_REQUIRE_PAR").as_deref() == Some("1") {
        config = config.require_pushed_requests();
    }
    if env("SESAME_REQUIRE_DPOP").as_deref() == Some("1") {
        config = config.require_dpop();
    }
    if let Some(key) = env("SESAME_DPOP_NONCE_KEY") {
        let secret = sesame_core::base64url::decode(&key)
            .filter(|k| k.len() == 32)
            .ok_or("SESAME_DPOP_NONCE_KEY: base64url of 32 bytes")?;
        config = config.dpop_nonces(sesame_core::dpop::NonceSource::new(
            &secret,
            sesame_core::dpop::NonceSource::DEFAULT_PERIOD,
        )?);
    }
    match env("SESAME_PROFILE").as_deref() {
        None => {}
        Some("fapi2") => config = config.fapi2(),
        Some(other) => {
            return Err(format!("SESAME_PROFILE: unknown profile {other:?} (fapi2)").into())
        }
    }
    let server = Arc::new(AuthorizationServer::with_keys(
        config,
        server_env::signing_keys()?,
    )?);
    let cookie_key = server_env::cookie_key()?;
    let dev = issuer.starts_with("http://127.0.0.1") || issuer.starts_with("http://localhost");
    let (social_key, _) = SealingKey::generate(&ring::rand::SystemRandom::new())?;
    let mut social = LoginService::new(Sealer::new(social_key));
    let mut page = LoginPage::default();
    if let (Some(iss), Some(id)) = (env("SESAME_SOCIAL_ISSUER"), env("SESAME_SOCIAL_CLIENT_ID")) {
        let callback = format!("{issuer}/auth/social/callback").parse()?;
        let config = ClientConfig::new(id, callback)
            .secret(env("SESAME_SOCIAL_CLIENT_SECRET").unwrap_or_default());
        social = social.provider(Client::new(
            Provider::openid("social", "Social", &iss)?,
            config,
        )?);
        page.buttons.push(LoginButton {
            id: "social".into(),
            label: "Continue with your OpenID Provider".into(),
            href: "/auth/social/login".into(),
        });
    }
    let users = Arc::new(users(&user_spec));
    let mut service = AuthServerService::new(
        server,
        server_env::store().await?,
        users,
        Sealer::new(cookie_key),
    )
    .login_page(page);
    if dev {
        service = service.insecure_cookies(); // plain-http development only
        social = social.insecure_cookies();
    }
    let service = Arc::new(service);

    // Social logins end in the same app authorization code as password logins.
    let finish = Arc::clone(&service);
    let auth = SesameAuth::new(social)?.on_login(move |login: Login| {
        let service = Arc::clone(&finish);
        async move {
            let now = std::time::SystemTime::now();
            match service
                .finish_social_login(&login, now, &ring::rand::SystemRandom::new())
                .await
            {
                Some(resp) => sesame_axum::to_axum(resp),
                None => axum::http::StatusCode::BAD_REQUEST.into_response(),
            }
        }
    });
    let app: axum::Router = sesame_axum::authorization_server(service).nest("/auth", auth.router());
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!(
        "authorization server {issuer} listening on http://{}",
        listener.local_addr()?
    );
    // Header/idle and request timeouts and a connection cap (axum::serve has none).
    let limits = sesame_axum::ServerLimits::default();
    sesame_axum::serve_with_shutdown(listener, app, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
