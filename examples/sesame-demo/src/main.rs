//! `cargo run -p sesame-demo`: one process, no external service.
//!
//! * Sesame's authorization server at the root (`/authorize`, `/token`, …)
//!   with two demo users printed at start-up.
//! * Sesame's client signing in to it (`/auth/sesame/login`), the page
//!   showing who signed in and the access token.
//! * A JSON API protected by bearer tokens: `GET /api/me` (scope
//!   `api:read`) and `GET /api/admin` (role `admin`; 403 for others).
//!
//! Env: `SESAME_BIND` (default `127.0.0.1:4000`).

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sesame_axum::SesameAuth;
use sesame_core::client::{Client, ClientConfig, Login};
use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::login::LoginService;
use sesame_core::provider::Provider;
use sesame_core::resource::{
    extract_bearer, AccessClaims, BearerError, BearerValidator, Guard, TrustedIssuer,
};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::server::{
    AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
    StaticUsers,
};

struct Api {
    server: Arc<AuthorizationServer>,
    validator: BearerValidator,
}

impl Api {
    /// Validates the bearer token with the server's own keys and applies `guard`.
    fn check(&self, headers: &HeaderMap, guard: &Guard) -> Result<AccessClaims, BearerError> {
        let token = extract_bearer(headers)?;
        let keys = self.server.key_set();
        let claims = self.validator.validate(token, &keys, SystemTime::now())?;
        guard.check(&claims)?;
        Ok(claims)
    }
}

fn deny(e: BearerError) -> Response {
    sesame_axum::to_axum(e.to_response("sesame-demo"))
}

async fn me(State(api): State<Arc<Api>>, headers: HeaderMap) -> Response {
    match api.check(&headers, &Guard::new().scope("api:read")) {
        Ok(c) => {
            Json(json!({"sub": c.subject, "scopes": c.scopes, "claims": c.claims})).into_response()
        }
        Err(e) => deny(e),
    }
}

async fn admin(State(api): State<Arc<Api>>, headers: HeaderMap) -> Response {
    match api.check(
        &headers,
        &Guard::new().scope("api:read").claim_eq("role", "admin"),
    ) {
        Ok(c) => Json(json!({"message": format!("hello, admin {}", c.subject)})).into_response(),
        Err(e) => deny(e),
    }
}

const HOME: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>Sesame demo</title>
<style>body{font-family:system-ui;max-width:48rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:1rem;white-space:pre-wrap;word-break:break-all}</style>
</head><body><h1>Sesame demo</h1>
<p><a id="signin" href="/auth/sesame/login?return_to=/">Sign in</a> (alice / alice-password is an admin; bob / bob-password is not).</p>
<p>Then call the API with the access token you get: <code>GET /api/me</code> and <code>GET /api/admin</code>.</p>
</body></html>"#;

fn signed_in_page(login: &Login) -> Html<String> {
    let token = login.tokens.access_token.expose();
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Signed in</title>
<style>body{{font-family:system-ui;max-width:48rem;margin:2rem auto;padding:0 1rem}}pre{{background:#f4f4f4;padding:1rem;white-space:pre-wrap;word-break:break-all}}</style></head>
<body><h1>Signed in as <span id="user">{user}</span></h1>
<pre id="identity">{identity}</pre>
<p><button id="call-me" onclick="call('/api/me')">GET /api/me</button> <button id="call-admin" onclick="call('/api/admin')">GET /api/admin</button></p>
<pre id="result"></pre>
<p>Access token (a demo shows it; a real app keeps it server-side):</p><pre id="token">{token}</pre>
<script>
async function call(path) {{
  const r = await fetch(path, {{headers: {{authorization: 'Bearer ' + document.getElementById('token').textContent}}}});
  document.getElementById('result').textContent = r.status + ' ' + await r.text();
}}
</script></body></html>"#,
        user = esc(&login.identity.id),
        identity = esc(&serde_json::to_string_pretty(&login.identity).unwrap_or_default()),
        token = esc(token),
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bind = std::env::var("SESAME_BIND").unwrap_or_else(|_| "127.0.0.1:4000".into());
    let issuer = format!("http://{bind}");
    let rng = ring::rand::SystemRandom::new();

    // The authorization server, with a client for the demo's own login.
    let callback = format!("{issuer}/auth/sesame/callback");
    let config = ServerConfig::new(&issuer)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "sesame-demo",
            Some("demo-secret"),
            &[callback.as_str()],
        ));
    let server = Arc::new(AuthorizationServer::new(
        config,
        SigningKey::generate(Algorithm::ES256, "demo-key-1")?.0,
    ));
    let users = StaticUsers::default()
        .user(
            "alice",
            "alice-password",
            json!({"role": "admin", "name": "Alice"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
        .user(
            "bob",
            "bob-password",
            json!({"role": "user", "name": "Bob"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
    let as_service = AuthServerService::new(
        Arc::clone(&server),
        Arc::new(MemoryStore::default()),
        Arc::new(users),
        Sealer::new(SealingKey::generate(&rng)?.0),
    )
    .insecure_cookies();

    // Sesame's client, signing in to that server.
    let client = Client::new(
        Provider::openid("sesame", "Sesame", &issuer)?.scopes(["openid", "profile", "api:read"]),
        ClientConfig::new("sesame-demo", callback.parse()?).secret("demo-secret"),
    )?;
    let logins = LoginService::new(Sealer::new(SealingKey::generate(&rng)?.0))
        .insecure_cookies()
        .provider(client);
    let auth =
        SesameAuth::new(logins)?.on_login(|login: Login| async move { signed_in_page(&login) });

    // The protected API.
    let api = Arc::new(Api {
        validator: BearerValidator::new().issuer(TrustedIssuer::new(
            &issuer,
            format!("{issuer}/jwks.json").parse()?,
            &format!("{issuer}/api"),
        )),
        server,
    });
    let app = Router::new()
        .route("/", get(|| async { Html(HOME) }))
        .route("/api/me", get(me))
        .route("/api/admin", get(admin))
        .with_state(api)
        .nest("/auth", auth.router())
        .merge(sesame_axum::authorization_server(Arc::new(as_service)));

    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("Sesame demo on {issuer}");
    println!("  demo users: alice / alice-password (role admin), bob / bob-password (role user)");
    println!("  open {issuer}/ and sign in; the API is at {issuer}/api/me and {issuer}/api/admin");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
