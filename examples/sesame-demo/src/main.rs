//! `cargo run -p sesame-demo`: one process, no external service.
//!
//! * Sesame's authorization server at the root (`/authorize`, `/token`,
//!   discovery, JWKS, …) with two demo users printed at start-up.
//! * A page (`/`) with "Sign in" (password, through the server's login page)
//!   and "Sign in with `<provider>`" for every catalog provider configured by
//!   env; a social login ends in the same app token as a password login.
//! * A JSON API protected by the resource-server layer
//!   ([`sesame_axum::BearerLayer`]): `GET /api/me` (scope `api:read`) and
//!   `GET /api/admin` (also role `admin`; 403 for others); and
//!   `GET /api/dpop/me`, which takes only DPoP-bound tokens with their proof
//!   (RFC 9449: `Authorization: DPoP …` and a `DPoP` header; the demo's
//!   server binds a token when its token request carries a proof). It is
//!   not in the OpenAPI document: Swagger UI cannot make DPoP proofs.
//! * Swagger UI at `/docs/` whose "Authorize" button signs in with
//!   authorization code + PKCE against the same server (the public client
//!   `swagger-ui`), and `/openapi.json`.
//!
//! Env:
//! * `SESAME_BIND` (default `127.0.0.1:4000`); the issuer is `http://` + bind.
//! * `SESAME_<PROVIDER>_CLIENT_ID` and `SESAME_<PROVIDER>_CLIENT_SECRET` for
//!   any catalog provider that needs no tenant or key (e.g. `SESAME_GITHUB_…`,
//!   `SESAME_GOOGLE_…`); register `http://<bind>/auth/<provider>/callback`.
//! * `SESAME_<PROVIDER>_REBASE` (`from=to,from=to`): points a provider's
//!   URLs elsewhere, e.g. `https://github.com=http://127.0.0.1:9000` — for
//!   a local fake of the provider in tests, or an egress proxy.
//! * `RUST_LOG` (default `info`): the request log and the audit events
//!   (`sesame::audit`) on stderr; the counters and latencies are at `/metrics`
//!   in the Prometheus text format.
//! * `SESAME_REDIS_URL`, `SESAME_SIGNING_KEY_FILE`, `SESAME_COOKIE_KEY`: the
//!   authorization server's state in Redis and its keys shared, as in
//!   `examples/authorization-server` (docs/scale-out.md); without them,
//!   memory and fresh keys.

use std::sync::Arc;

use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use sesame_axum::openapi::{add_security_scheme, swagger_ui};
use sesame_axum::{BearerLayer, Claims, SesameAuth, Session};
use sesame_core::client::{Client, ClientConfig, Login};
use sesame_core::login::LoginService;
use sesame_core::openapi::{DocsClient, SWAGGER_REDIRECT_FILE};
use sesame_core::provider::Provider;
use sesame_core::resource::{BearerPolicy, BearerValidator, DpopMode, Guard, TrustedIssuer};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_reqwest::{BearerAuth, Sesame};
use sesame_server::{
    AuthServerService, AuthorizationServer, LoginButton, LoginPage, RegisteredClient, ServerConfig,
    StaticUsers,
};
use utoipa::OpenApi;

/// The OpenAPI document of the demo's API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sesame demo API",
        description = "Sign in with the Authorize button (authorization code + PKCE against the demo's own server), then try the operations."
    ),
    paths(me, admin),
    components(schemas(Me, Greeting, BearerRefusal))
)]
struct ApiDoc;

/// Who the bearer token is for.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Me {
    /// The token's subject.
    sub: String,
    /// The granted scopes.
    scopes: Vec<String>,
    /// Every claim of the token.
    #[schema(value_type = Object)]
    claims: Value,
}

/// A greeting.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Greeting {
    /// The message.
    message: String,
}

/// An RFC 6750 refusal's body; the `WWW-Authenticate` header says the same.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct BearerRefusal {
    /// `invalid_request`, `invalid_token`, `insufficient_scope`, or `unauthorized` (no token).
    error: String,
}

/// Who the bearer token is for: its subject, scopes and claims.
#[utoipa::path(
    get,
    path = "/api/me",
    security(("sesame" = ["api:read"])),
    responses(
        (status = 200, description = "The token's subject, scopes and claims", body = Me, content_type = "application/json"),
        (status = 400, description = "A malformed `Authorization` header (RFC 6750 `invalid_request`)", body = BearerRefusal, content_type = "application/json",
            headers(("WWW-Authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 401, description = "No token, or an invalid one (RFC 6750 `invalid_token`)", body = BearerRefusal, content_type = "application/json",
            headers(("WWW-Authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, description = "The token lacks the scope `api:read`", body = BearerRefusal, content_type = "application/json",
            headers(("WWW-Authenticate" = String, description = "The RFC 6750 challenge"))),
    )
)]
async fn me(Claims(c): Claims) -> Json<Me> {
    Json(Me {
        sub: c.subject,
        scopes: c.scopes,
        claims: Value::Object(c.claims.into_map()),
    })
}

/// For administrators only: needs the claim `role` = `admin`.
#[utoipa::path(
    get,
    path = "/api/admin",
    security(("sesame" = ["api:read"])),
    responses(
        (status = 200, description = "A greeting for an administrator", body = Greeting, content_type = "application/json"),
        (status = 400, description = "A malformed `Authorization` header", body = BearerRefusal, content_type = "application/json",
            headers(("WWW-Authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 401, description = "No token, or an invalid one", body = BearerRefusal, content_type = "application/json",
            headers(("WWW-Authenticate" = String, description = "The RFC 6750 challenge"))),
        (status = 403, description = "The token lacks `api:read` or the role `admin`", body = BearerRefusal, content_type = "application/json",
            headers(("WWW-Authenticate" = String, description = "The RFC 6750 challenge"))),
    )
)]
async fn admin(Claims(c): Claims) -> Json<Greeting> {
    Json(Greeting {
        message: format!("hello, admin {}", c.subject),
    })
}

const STYLE: &str = "body{font-family:system-ui;max-width:48rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:1rem;white-space:pre-wrap;word-break:break-all}a.button{display:inline-block;margin:.25rem 0;padding:.5rem 1rem;border:1px solid #888;border-radius:.3rem;text-decoration:none}";

/// The authorization server's login page, styled by the app.
const LOGIN_STYLE: &str = "body{font-family:system-ui;background:#f6f6f6}main{max-width:22rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 4px #0002}label{display:block;margin:.75rem 0}input{display:block;width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem}button{width:100%;padding:.6rem;margin-top:.5rem}.sesame-social{display:block;text-align:center;margin-top:1rem;padding:.6rem;border:1px solid #888;border-radius:.3rem;text-decoration:none;color:#222}.sesame-error{color:#b00}";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn home_page(social: &[(String, String)]) -> String {
    let buttons: String = social
        .iter()
        .map(|(id, name)| {
            format!(
                "<p><a class=\"button\" id=\"signin-{id}\" href=\"/auth/sesame/login?return_to=/&amp;idp={id}\">Sign in with {}</a></p>",
                esc(name),
                id = esc(id)
            )
        })
        .collect();
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Sesame demo</title><style>{STYLE}</style></head>
<body><h1>Sesame demo</h1>
<p><a class="button" id="signin" href="/auth/sesame/login?return_to=/">Sign in</a> — alice / alice-password is an admin; bob / bob-password is not.</p>
{buttons}
<p>The API: <code>GET /api/me</code> and <code>GET /api/admin</code>; <code>GET /api/dpop/me</code> takes only DPoP-bound tokens with their proof. Try it in <a id="docs" href="/docs/">Swagger UI</a> (its Authorize button signs in with PKCE).</p>
</body></html>"#
    )
}

/// The signed-in page: personal data and a token, so `Cache-Control:
/// no-store` (the back button after signing out shows nothing private).
fn signed_in_page(identity: &sesame_core::Identity, token: &str) -> axum::response::Response {
    let page = Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Signed in</title><style>{STYLE}</style></head>
<body><h1>Signed in as <span id="user">{user}</span></h1>
<pre id="identity">{identity}</pre>
<p><button id="call-me" onclick="call('/api/me')">GET /api/me</button> <button id="call-admin" onclick="call('/api/admin')">GET /api/admin</button></p>
<pre id="result"></pre>
<p>Access token (a demo shows it; a real app keeps it server-side):</p><pre id="token">{token}</pre>
<p><a href="/">Home</a> · <a class="button" id="signout" href="/logout">Sign out</a></p>
<script>
async function call(path) {{
  const r = await fetch(path, {{headers: {{authorization: 'Bearer ' + document.getElementById('token').textContent}}}});
  document.getElementById('result').textContent = r.status + ' ' + await r.text();
}}
</script></body></html>"#,
        user = esc(&identity.id),
        identity = esc(&serde_json::to_string_pretty(identity).unwrap_or_default()),
        token = esc(token),
    ));
    ([("cache-control", "no-store")], page).into_response()
}

/// One line per request: method, path (never the query: it may hold a
/// code or a state), status, latency.
async fn request_log(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::info!(target: "sesame_demo::request", %method, %path, status = response.status().as_u16(), micros = started.elapsed().as_micros() as u64, "request");
    response
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Catalog providers configured by env: `(client, display name)`.
fn social_clients(issuer: &str) -> Result<Vec<(Client, String)>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    for entry in sesame_providers::catalog() {
        let c = entry.constructor;
        // Providers that need a tenant, a domain or a signing key of yours
        // are configured in code, not here.
        let needs_more = c.contains("example")
            || c.contains("your-")
            || ["openid(", "oauth2(", "apple("]
                .iter()
                .any(|p| c.starts_with(p));
        let mut provider: Provider = entry.provider;
        let id = provider.id.clone();
        let var = id.to_uppercase().replace('-', "_");
        let Some(client_id) = env(&format!("SESAME_{var}_CLIENT_ID")) else {
            continue;
        };
        if needs_more {
            eprintln!("  {id}: needs configuration in code (see docs/providers.md); skipped");
            continue;
        }
        if let Some(rebase) = env(&format!("SESAME_{var}_REBASE")) {
            for pair in rebase.split(',') {
                let (from, to) = pair
                    .split_once('=')
                    .ok_or(format!("SESAME_{var}_REBASE: expected from=to"))?;
                provider = provider.rebase(from, to);
            }
        }
        let callback = format!("{issuer}/auth/{id}/callback").parse()?;
        let mut config = ClientConfig::new(client_id, callback);
        if let Some(secret) = env(&format!("SESAME_{var}_CLIENT_SECRET")) {
            config = config.secret(secret);
        }
        let name = provider.name.clone();
        out.push((Client::new(provider, config)?, name));
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The request log and audit events on stderr; metrics for /metrics.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?;

    let bind = env("SESAME_BIND").unwrap_or_else(|| "127.0.0.1:4000".into());
    let issuer = format!("http://{bind}");
    let rng = ring::rand::SystemRandom::new();

    // Sesame's client (the demo page signs in with it) and the social
    // providers the server's login page offers.
    let callback = format!("{issuer}/auth/sesame/callback");
    let mut logins = LoginService::new(Sealer::new(SealingKey::generate(&rng)?.0))
        .insecure_cookies() // plain http on loopback
        .provider(Client::new(
            Provider::openid("sesame", "Sesame", &issuer)?
                .scopes(["openid", "profile", "api:read"]),
            ClientConfig::new("sesame-demo", callback.parse()?)
                .secret("demo-secret")
                .forward_login_param("idp"),
        )?);
    let mut page = LoginPage {
        title: Some("Sign in to the Sesame demo".into()),
        stylesheet: Some("/style.css".into()),
        ..LoginPage::default()
    };
    let mut social = Vec::new();
    for (client, name) in social_clients(&issuer)? {
        let id = client.provider().id.clone();
        page.buttons.push(LoginButton {
            id: id.clone(),
            label: format!("Sign in with {name}"),
            href: format!("/auth/{id}/login"),
        });
        social.push((id, name));
        logins = logins.provider(client);
    }

    // The authorization server: the demo's client and Swagger UI's.
    let docs_client = DocsClient::new("swagger-ui").scopes(["api:read"]);
    let config = ServerConfig::new(&issuer)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "sesame-demo",
            Some("demo-secret"),
            &[callback.as_str()],
        ))
        .client(RegisteredClient::for_docs(
            &docs_client,
            &format!("{issuer}/docs/{SWAGGER_REDIRECT_FILE}"),
        ));
    // RS256 ID tokens and ES256 access tokens, from SESAME_SIGNING_KEY_FILE
    // or made now.
    let server = Arc::new(AuthorizationServer::with_keys(
        config,
        server_env::signing_keys()?,
    )?);
    let role = |r: &str, name: &str| {
        json!({"role": r, "name": name})
            .as_object()
            .cloned()
            .unwrap_or_default()
    };
    let users = StaticUsers::default()
        .user("alice", "alice-password", role("admin", "Alice"))
        .user("bob", "bob-password", role("user", "Bob"));
    let as_service = Arc::new(
        AuthServerService::new(
            Arc::clone(&server),
            server_env::store().await?,
            Arc::new(users),
            Sealer::new(server_env::cookie_key()?),
        )
        .login_page(page)
        .insecure_cookies(),
    );

    // Logins: a social login started from the server's page ends in the
    // app's own authorization code; the demo client's login shows the page.
    // Every login becomes a session (in memory; the demo is one process).
    let sessions = sesame_core::session::Sessions::new(
        sesame_core::session::SessionConfig::default().insecure_cookies(),
        Sealer::new(SealingKey::generate(&rng)?.0),
    );
    let post_logout = format!("{issuer}/logout/callback").parse()?;
    let finish = Arc::clone(&as_service);
    let auth = SesameAuth::new(logins)?
        .with_sessions(
            sessions,
            Arc::new(sesame_core::session::MemorySessionStore::default()),
        )
        .configure_sessions(|m| m.post_logout_redirect_uri(post_logout))
        .on_login(move |login: Login| {
            let finish = Arc::clone(&finish);
            async move {
                let rng = ring::rand::SystemRandom::new();
                match finish
                    .finish_social_login(&login, std::time::SystemTime::now(), &rng)
                    .await
                {
                    Some(resp) => sesame_axum::to_axum(resp),
                    None => signed_in_page(&login.identity, login.tokens.access_token.expose()),
                }
            }
        });

    // The protected API: the resource-server layer, with the server's JWKS
    // fetched and cached like any issuer's.
    let bearer = BearerAuth::new(
        BearerValidator::new().issuer(TrustedIssuer::new(
            &issuer,
            format!("{issuer}/jwks.json").parse()?,
            &format!("{issuer}/api"),
        )),
        Arc::new(Sesame::new()?),
    )
    .realm("sesame-demo")
    .with_verified_token_cache(10_000);
    // The same API, sender-constrained: DPoP-bound tokens with their proof
    // only (RFC 9449), the proof's htu checked against the public origin.
    let dpop_only = BearerAuth::with_policy(
        BearerPolicy::new(BearerValidator::new().issuer(TrustedIssuer::new(
            &issuer,
            format!("{issuer}/jwks.json").parse()?,
            &format!("{issuer}/api"),
        )))
        .dpop(DpopMode::Required)
        .public_origin(issuer.parse()?),
        Arc::new(Sesame::new()?),
    )
    .realm("sesame-demo")
    .with_verified_token_cache(10_000);
    let read = Guard::new().scope("api:read");
    let api = Router::new()
        .route(
            "/api/dpop/me",
            get(me).layer(BearerLayer::new(dpop_only, read.clone())),
        )
        .route(
            "/api/me",
            get(me).layer(BearerLayer::new(bearer.clone(), read.clone())),
        )
        .route(
            "/api/admin",
            get(admin).layer(BearerLayer::new(bearer, read.claim_eq("role", "admin"))),
        );

    // OpenAPI with Sesame sign-in, and Swagger UI.
    let mut doc = ApiDoc::openapi();
    let flow = server
        .authorization_code_flow()
        .scope("api:read", "Read the demo API");
    add_security_scheme(&mut doc, "sesame", &flow);

    let home = home_page(&social);
    let app = Router::new()
        .route(
            "/",
            get(move |session: Option<Session>| async move {
                match session {
                    Some(s) => match s.access_token().await {
                        Ok(token) => signed_in_page(s.identity(), token.expose()),
                        Err(e) => sesame_axum::to_axum(e.to_response()),
                    },
                    None => ([("cache-control", "no-store")], Html(home)).into_response(),
                }
            }),
        )
        .route(
            "/style.css",
            get(|| async { ([("content-type", "text/css")], LOGIN_STYLE) }),
        )
        .merge(api)
        .merge(swagger_ui("/docs", "/openapi.json", doc, &docs_client))
        .nest("/auth", auth.router())
        .merge(auth.logout_router("/"))
        .layer(auth.session_layer())
        .merge(sesame_axum::authorization_server(as_service))
        .route(
            "/metrics",
            get(move || {
                let text = prometheus.render();
                async move { ([("content-type", "text/plain; version=0.0.4")], text) }
            }),
        )
        .layer(axum::middleware::map_response(sesame_axum::page_headers))
        .layer(axum::middleware::from_fn(request_log));

    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("Sesame demo on {issuer}");
    println!("  demo users: alice / alice-password (role admin), bob / bob-password (role user)");
    println!("  open {issuer}/ and sign in; the API is at {issuer}/api/me and {issuer}/api/admin");
    println!("  Swagger UI: {issuer}/docs/ (Authorize signs in with PKCE as client swagger-ui)");
    for (id, _) in &social {
        println!("  social login: {id} (callback {issuer}/auth/{id}/callback)");
    }
    // Header/idle and request timeouts and a connection cap (axum::serve has none).
    let limits = sesame_axum::ServerLimits::default();
    sesame_axum::serve_with_shutdown(listener, app, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
