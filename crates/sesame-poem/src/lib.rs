//! # sesame-poem
//!
//! "Login with …", bearer-protected APIs and (with the
//! `authorization-server` feature) your own authorization server, for
//! Poem: the same routes, cookie rules, handler contract, provider
//! registry and error behaviour as `sesame-axum`. All protocol logic lives
//! in [`sesame_core`], `sesame-server` and [`sesame_reqwest`]; this crate
//! only maps Poem requests and responses.
//!
//! ```no_run
//! use poem::{web::Json, IntoResponse, Route};
//! use sesame_poem::prelude::*;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let op = Client::new(
//!     Provider::openid("op", "My OP", "https://id.example.com")?,
//!     ClientConfig::new("id", "https://app.example.com/auth/op/callback".parse()?).secret("secret"),
//! )?;
//! let service = LoginService::new(Sealer::new(SealingKey::from_bytes([7; 32]))).provider(op);
//! let auth = SesameAuth::new(service)?.on_login(|login: Login| async move {
//!     Json(login.identity).into_response()
//! });
//! let app = Route::new().nest("/auth", auth.route());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! sesame_poem::serve(listener, app, sesame_poem::ServerLimits::default()).await?;
//! # Ok(()) }
//! ```
//!
//! | file | what | Axum twin |
//! |---|---|---|
//! | `login.rs` | [`SesameAuth`]: `GET /:provider/login`, `GET\|POST /:provider/callback` | `SesameAuth` |
//! | `bearer.rs` | [`BearerMiddleware`]: validates the token, checks a guard | `BearerLayer` |
//! | `extract/claims.rs` | [`Claims`]: the validated claims, or your own type | `Claims` |
//! | `extract/bearer.rs` | [`Bearer`]: the validated token, for relaying | `Bearer` |
//! | `session.rs` | [`SessionMiddleware`]: loads the session, saves it after the endpoint | `SessionLayer` |
//! | `extract/session.rs` | [`Session`]: the live session, fresh access tokens | `Session` |
//! | `extract/current_user.rs` | [`CurrentUser`]: who is signed in | `CurrentUser` |
//! | `rejection.rs` | [`BearerRejection`], [`SessionRejection`]: the extractors' refusals | the same |
//! | `serve.rs` | [`serve`]: header/idle and request timeouts, a connection cap | `serve` |
//! | `authorization_server.rs` | `authorization_server`: mounts `sesame-server` | the same |
//! | `openapi.rs` | poem-openapi security scheme and Swagger UI (feature `openapi`) | utoipa |

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
pub use bearer::{BearerEndpoint, BearerMiddleware};
pub use extract::{Bearer, Claims, CurrentUser, Session};
pub use login::{default_error_response, SesameAuth};
pub use rejection::{BearerRejection, SessionRejection};
pub use serve::{serve, serve_with_shutdown, ServerLimits};
pub use session::{SessionEndpoint, SessionMiddleware};

pub use sesame_core;
pub use sesame_reqwest;

/// Converts a core response into a Poem response.
pub fn to_poem(response: http::Response<Vec<u8>>) -> poem::Response {
    let (parts, body) = response.into_parts();
    let mut out = poem::Response::builder().status(parts.status).body(body);
    *out.headers_mut() = parts.headers;
    out
}
