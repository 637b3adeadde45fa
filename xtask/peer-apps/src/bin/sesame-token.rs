//! The Sesame side of the `/token` part of `cargo xtask bench --peers`:
//! sesame-server's authorization server on Axum (every route of
//! `sesame_axum::authorization_server`, served by `sesame_axum::serve`),
//! against panva's oidc-provider (`xtask/oidc-provider/token-bench.mjs`)
//! configured alike.
//!
//! * One confidential client `bench-client` / `bench-secret`
//!   (client_secret_basic), PKCE S256 (always required by Sesame), redirect
//!   URI `http://127.0.0.1/callback`.
//! * One ES256 key: ID tokens and access tokens (RFC 9068 JWTs).
//! * Scopes: the defaults (`openid`, `offline_access`, …) and `api:read`,
//!   for client_credentials.
//! * A `MemoryStore` of 16 million records: every redemption and rotation
//!   keeps a 30-day refresh record.
//! * Bench only: `POST /bench/codes?n=N` mints N codes for `alice` (scope
//!   `openid offline_access api:read`) through `authorize` + `approve`, as
//!   the login page would, and answers
//!   `{"codes": [...], "code_verifier": "...", "redirect_uri": "..."}`.
//!
//! Env: `PEER_BIND` (the listen address); the issuer is `http://{PEER_BIND}`.

use std::sync::Arc;

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
    StaticUsers, Store,
};

const REDIRECT_URI: &str = "http://127.0.0.1/callback";
const SCOPE: &str = "openid offline_access api:read";
/// The same verifier as token-bench.mjs's.
const CODE_VERIFIER: &str = "bench-code-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
const STORE_CAPACITY: usize = 16_000_000;
const MAX_CODES: usize = 100_000;

struct Minter {
    server: Arc<AuthorizationServer>,
    store: Arc<MemoryStore>,
    query: String,
}

impl Minter {
    async fn mint(&self, n: usize) -> Result<Vec<String>, String> {
        let rng = ring::rand::SystemRandom::new();
        let request = self
            .server
            .authorize(&self.query)
            .map_err(|e| format!("authorize: {e:?}"))?;
        let mut codes = Vec::with_capacity(n);
        for _ in 0..n {
            let url = self
                .server
                .approve(
                    &request,
                    "alice",
                    serde_json::Map::new(),
                    self.store.as_ref() as &dyn Store,
                    std::time::SystemTime::now(),
                    &rng,
                )
                .await
                .map_err(|e| format!("approve: {e}"))?;
            let code = url
                .query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
                .ok_or("approve: no code in the redirect")?;
            codes.push(code);
        }
        Ok(codes)
    }
}

async fn codes(minter: Arc<Minter>, query: Option<String>) -> Response {
    let n = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("n="))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=MAX_CODES).contains(n));
    let Some(n) = n else {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": format!("n: 1..{MAX_CODES}")})),
        )
            .into_response();
    };
    match minter.mint(n).await {
        Ok(codes) => Json(serde_json::json!({
            "codes": codes,
            "code_verifier": CODE_VERIFIER,
            "redirect_uri": REDIRECT_URI,
        }))
        .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(serde_json::json!({"error": e})),
        )
            .into_response(),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bind = std::env::var("PEER_BIND").map_err(|_| "PEER_BIND is required")?;
    let issuer = format!("http://{bind}");
    let client = RegisteredClient::new(
        peer_apps::CLIENT_ID,
        Some(peer_apps::CLIENT_SECRET),
        &[REDIRECT_URI],
    );
    let config = ServerConfig::new(&issuer)
        .scopes(["api:read"])
        .id_token_alg(Algorithm::ES256)
        .access_token_alg(Algorithm::ES256)
        .client(client);
    let (key, _) = SigningKey::generate(Algorithm::ES256, "bench-es256")?;
    let server = Arc::new(AuthorizationServer::with_keys(config, vec![key])?);
    let store = Arc::new(MemoryStore::with_capacity(STORE_CAPACITY));
    let (cookie_key, _) = SealingKey::generate(&ring::rand::SystemRandom::new())?;
    let service = AuthServerService::new(
        Arc::clone(&server),
        Arc::clone(&store) as Arc<dyn Store>,
        Arc::new(StaticUsers::default()),
        Sealer::new(cookie_key),
    )
    .insecure_cookies();

    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", peer_apps::CLIENT_ID)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", SCOPE)
        .append_pair(
            "code_challenge",
            &sesame_core::pkce::challenge_s256(CODE_VERIFIER),
        )
        .append_pair("code_challenge_method", "S256");
    let minter = Arc::new(Minter {
        server,
        store,
        query: query.finish(),
    });
    let app: Router = sesame_axum::authorization_server(Arc::new(service)).route(
        "/bench/codes",
        post(move |RawQuery(q): RawQuery| codes(Arc::clone(&minter), q)),
    );
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    sesame_axum::serve(listener, app, sesame_axum::ServerLimits::default()).await?;
    Ok(())
}
