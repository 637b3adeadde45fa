//! # sesame-reqwest
//!
//! Runs [`sesame_core`]'s protocol over the network with [`reqwest`]:
//!
//! * [`HttpClient`] executes the core's `http::Request`s with timeouts, a
//!   response-size cap and no redirects, and tells network failures,
//!   timeouts and oversized bodies apart ([`HttpError`]).
//! * [`Sesame`] adds the discovery and JWKS caches (the policy lives in
//!   [`sesame_core::cache`]; this crate adds single-flight across tasks) and
//!   runs the core's one loop ([`Sesame::run`], see [`sesame_core::step`])
//!   for logins, refreshes and bearer checks ([`BearerAuth`]).
//! * [`adapter`] is what the web adapters are made of.
//!
//! Start reading at `driver.rs` ([`Sesame`]); every decision is the core's,
//! this crate only moves bytes. All futures are `Send`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use sesame_core::{client::*, login::LoginService, provider::Provider, seal::*};
//! let client = Client::new(
//!     Provider::openid("op", "My OP", "https://id.example.com")?,
//!     ClientConfig::new("app", "https://app.example.com/auth/op/callback".parse()?).secret("…"),
//! )?;
//! let service = LoginService::new(Sealer::new(SealingKey::from_bytes([0; 32]))).provider(client);
//! let sesame = sesame_reqwest::Sesame::new()?;
//! let redirect = sesame.start_login(&service, "op", Some("/home")).await?;
//! println!("303 to {}", redirect.location);
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub mod adapter;
mod audit;
mod bearer;
mod driver;
mod http_client;
pub mod serve;
pub mod session;

pub use adapter::LoginRoutes;
pub use bearer::{BearerAuth, DPOP_REPLAY_KEY_PREFIX};
pub use driver::{CallbackOutcome, Drive, Error, Sesame, CALLBACK_TIMEOUT};
#[doc(hidden)]
pub use http;
pub use http_client::{
    HttpClient, HttpError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_MAX_IDLE_PER_HOST,
    DEFAULT_TIMEOUT,
};
pub use serve::ServerLimits;
pub use sesame_core;
pub use session::{LiveSession, SessionManager, SessionRefusal, SessionSlot};
