//! # sesame-axum
//!
//! "Login with …", bearer-protected APIs and (with the
//! `authorization-server` feature) your own authorization server, for
//! Axum. All protocol logic lives in [`sesame_core`] (the rules),
//! `sesame-server` (the authorization server) and [`sesame_reqwest`]
//! (the network); this crate only maps Axum requests and responses.
//!
//! ```no_run
//! use axum::{response::IntoResponse, Json, Router};
//! use sesame_axum::prelude::*;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let google = Client::new(
//!     Provider::openid("google", "Google", "https://accounts.google.com")?,
//!     ClientConfig::new("id", "https://app.example.com/auth/google/callback".parse()?).secret("secret"),
//! )?;
//! let service = LoginService::new(Sealer::new(SealingKey::from_bytes([7; 32]))).provider(google);
//! let auth = SesameAuth::new(service)?.on_login(|login: Login| async move {
//!     // Start your own session here; then:
//!     Json(login.identity).into_response()
//! });
//! let app: Router = Router::new().nest("/auth", auth.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! | file | what | Poem twin |
//! |---|---|---|
//! | `login.rs` | [`SesameAuth`]: `GET /{provider}/login`, `GET\|POST /{provider}/callback` | `SesameAuth` |
//! | `bearer.rs` | [`BearerLayer`]: validates the token, checks a guard | `BearerMiddleware` |
//! | `extract/claims.rs` | [`Claims`]: the validated claims, or your own type | `Claims` |
//! | `extract/bearer.rs` | [`Bearer`]: the validated token, for relaying | `Bearer` |
//! | `session.rs` | [`SessionLayer`]: loads the session, saves it after the handler | `SessionMiddleware` |
//! | `extract/session.rs` | [`Session`]: the live session, fresh access tokens | `Session` |
//! | `extract/current_user.rs` | [`CurrentUser`]: who is signed in | `CurrentUser` |
//! | `rejection.rs` | [`BearerRejection`], [`SessionRejection`]: the extractors' refusals | the same |
//! | `authorization_server.rs` | `authorization_server`: mounts `sesame-server` | the same |
//! | `openapi.rs` | utoipa security scheme and Swagger UI (feature `openapi`) | poem-openapi |
//! | `serve.rs` | [`serve`]: header/idle and request timeouts, a connection cap | `serve` |

#![deny(missing_docs)]

#[cfg(feature = "authorization-server")]
mod authorization_server;
mod bearer;
mod extract;
mod login;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod prelude;
mod rejection;
mod serve;
mod session;

#[cfg(feature = "authorization-server")]
pub use authorization_server::authorization_server;
pub use bearer::{BearerLayer, BearerService};
pub use extract::{Bearer, Claims, CurrentUser, Session};
pub use login::{default_error_response, SesameAuth};
pub use rejection::{BearerRejection, SessionRejection};
pub use serve::{serve, serve_with_shutdown, ServerLimits};
pub use session::{SessionLayer, SessionService};

pub use sesame_core;
pub use sesame_reqwest;

/// Adds the headers every page should carry ([`sesame_core::response::PAGE_HEADERS`]:
/// no framing, no referrer, no sniffing) where the response has none; for
/// `axum::middleware::map_response` over an app's pages. Swagger UI
/// (`openapi::swagger_ui`, feature `openapi`) has it already.
///
/// ```
/// let app: axum::Router = axum::Router::new()
///     .route("/", axum::routing::get(|| async { axum::response::Html("<h1>home</h1>") }))
///     .layer(axum::middleware::map_response(sesame_axum::page_headers));
/// ```
pub async fn page_headers(mut response: axum::response::Response) -> axum::response::Response {
    sesame_core::response::add_page_headers(response.headers_mut());
    response
}

/// Converts a core response into an Axum response.
pub fn to_axum(response: http::Response<Vec<u8>>) -> axum::response::Response {
    response.map(axum::body::Body::from)
}
