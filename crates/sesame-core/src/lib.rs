//! # sesame-core
//!
//! The protocol core of Sesame: OAuth 2.0 and OpenID Connect as pure,
//! deterministic code, shared by every role — the client signing users in,
//! the resource server checking tokens, and (in `sesame-server`) the
//! authorization server. It performs no I/O, reads no clock and draws no
//! randomness on its own: requests and responses are [`http`] values, `now`
//! is a [`std::time::SystemTime`] argument and randomness is a
//! [`random::Random`] argument. Drivers (`sesame-reqwest`, the Axum and Poem
//! adapters, a blocking loop of your own) move bytes and call in.
//!
//! ## Where to start reading
//!
//! * [`step`] — the one run loop every driver writes, and the vocabulary
//!   ([`step::Step`], [`step::Exchange`]) every state machine speaks.
//! * [`client`] — a login as a state machine: [`client::Client::begin`],
//!   [`client::Client::callback`], then the [`client::LoginExchange`].
//! * [`resource`] — a protected API's check: [`resource::BearerPolicy`].
//! * [`login`] — the login routes' rules shared by the web adapters.
//!
//! | layer | modules |
//! |---|---|
//! | roles | [`client`] (signing in), [`login`] (its web routes), [`resource`] (protecting an API), [`openapi`] (documenting it) |
//! | protocol pieces | [`dpop`] (proof-of-possession, RFC 9449), [`pkce`], [`state`], [`seal`], [`jose`], [`idtoken`], [`discovery`], [`tokens`], [`provider`], [`identity`], [`cache`] |
//! | vocabulary | [`step`], [`protocol`] (error codes, endpoints, grant types), [`error`] (errors by who is at fault) |
//! | shared helpers | [`http_util`], [`response`], [`cookie`], [`scope`], [`ttl_map`], [`base64url`], [`constant_time`], [`random`], [`time`] |
//!
//! ## A whole login, driven by hand
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::SystemTime;
//! use sesame_core::client::{CallbackParams, Client, ClientConfig, PendingLogin};
//! use sesame_core::discovery::ProviderMetadata;
//! use sesame_core::provider::Provider;
//! use sesame_core::seal::{Sealer, SealingKey};
//! use sesame_core::step::{Exchange, KeyRequest, Step};
//! # fn send(_: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> { unimplemented!() }
//! # fn jwks(_: &KeyRequest) -> sesame_core::jose::JwkSet { unimplemented!() }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let rng = ring::rand::SystemRandom::new();
//! let provider = Provider::openid("example", "Example", "https://id.example.com")?;
//! let config = ClientConfig::new("my-app", "https://app.example.com/auth/example/callback".parse()?);
//! let client = Client::new(provider, config)?;
//! let sealer = Sealer::new(SealingKey::from_bytes([0; 32]));
//! let issuer = "https://id.example.com";
//! let meta = Arc::new(ProviderMetadata::from_response(
//!     issuer,
//!     &send(sesame_core::discovery::discovery_request(issuer)?),
//! )?);
//!
//! // GET /login
//! let start = client.begin(&meta, Some("/home"), SystemTime::now(), &rng)?;
//! let cookie = start.pending.seal(&sealer, SystemTime::now(), &rng)?;
//! // … redirect to start.url, set the cookie …
//!
//! // GET /callback?code=…&state=…
//! let pending = PendingLogin::open(&sealer, Some(&cookie), SystemTime::now())?;
//! let params = CallbackParams::from_query("code=abc&state=xyz")?;
//! let (mut exchange, request) = client.callback(meta, &params, pending, SystemTime::now(), &rng)?;
//! let mut step = Step::Send(request);
//! let login = loop {
//!     step = match step {
//!         Step::Send(out) => exchange.on_response(send(out.request), SystemTime::now())?,
//!         Step::NeedKeys(k) => exchange.on_keys(&jwks(&k), SystemTime::now())?,
//!         Step::Done(login) => break login,
//!     };
//! };
//! println!("{} signed in", login.identity.id);
//! # Ok(()) }
//! ```

#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod audit;
pub mod base64url;
pub mod cache;
pub mod client;
pub mod constant_time;
pub mod cookie;
pub mod crypto;
pub mod discovery;
pub mod dpop;
pub mod error;
pub mod http_util;
pub mod identity;
pub mod idtoken;
pub mod jose;
pub mod login;
pub mod openapi;
pub mod pkce;
pub mod protocol;
pub mod provider;
pub mod random;
pub mod resource;
pub mod response;
pub mod scope;
pub mod seal;
mod secret;
pub mod session;
pub mod state;
pub mod step;
mod sync;
pub mod time;
pub mod tokens;
pub mod ttl_map;

pub use error::{
    ConfigError, Fault, InternalError, LoginError, ProviderError, RequestError, UsageError,
};
pub use identity::Identity;
pub use secret::Secret;
pub use tokens::Tokens;
