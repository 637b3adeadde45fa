//! # sesame-core
//!
//! The protocol core of Sesame: OAuth 2.0 and OpenID Connect as pure,
//! deterministic code. It performs no I/O, reads no clock and draws no
//! randomness on its own: requests and responses are [`http`] values, `now`
//! is a [`std::time::SystemTime`] argument and randomness is a
//! [`random::Random`] argument. Drivers (`sesame-reqwest`, the Axum and Poem
//! adapters, a blocking loop of your own) move bytes and call in.
//!
//! | module | what |
//! |---|---|
//! | [`pkce`] | RFC 7636 verifiers and S256 challenges |
//! | [`state`] | `state` and `nonce` values |
//! | [`seal`] | AES-256-GCM sealed cookies with key rotation and expiry |
//! | [`jose`] | JWK/JWKS, JWS verification and signing on ring |
//! | [`idtoken`] | ID token validation (OIDC Core §3.1.3.7) |
//! | [`discovery`] | provider metadata (OIDC Discovery, RFC 8414) |
//! | [`provider`] | the provider API the catalog implements |
//! | [`client`] | the authorization-code flow as a state machine |
//! | [`login`] | framework-neutral login routes: registry, cookies, error responses |
//! | [`server`] | the authorization server's protocol: /authorize, /token, discovery, JWKS, key rotation |
//! | [`resource`] | bearer-token validation, scope and claim guards, RFC 6750 errors |
//! | [`cache`] | JWKS and metadata cache policy (the driver fetches) |
//! | [`tokens`] | token responses |
//! | [`identity`] | the normalized identity |
//! | [`error`] | errors split by who is at fault |
//!
//! ## A whole login, driven by hand
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::SystemTime;
//! use sesame_core::{client::*, provider::Provider, seal::*, discovery::ProviderMetadata};
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
//! let (mut exchange, request) = client.callback(meta, &params, pending, SystemTime::now())?;
//! let mut step = Step::Send(request);
//! let login = loop {
//!     step = match step {
//!         Step::Send(req) => exchange.on_response(send(req), SystemTime::now())?,
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

mod b64;
pub mod cache;
pub mod client;
pub mod discovery;
pub mod error;
pub mod http_util;
pub mod identity;
pub mod idtoken;
pub mod jose;
pub mod login;
pub mod openapi;
pub mod pkce;
pub mod provider;
pub mod random;
pub mod resource;
pub mod seal;
mod secret;
pub mod server;
pub mod state;
mod time;
pub mod tokens;

pub use error::{ConfigError, Fault, LoginError, ProviderError, RequestError};
pub use identity::Identity;
pub use secret::Secret;
pub use tokens::Tokens;
