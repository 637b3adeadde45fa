//! # sesame-server
//!
//! Sesame's own OAuth 2.0 / OpenID Connect authorization server, as
//! deterministic functions of their inputs: `now` and a
//! [`Random`](sesame_core::random::Random) are arguments, and all state is
//! behind the async [`Store`] trait ([`MemoryStore`] by default). No web
//! framework and no runtime: `sesame-axum` and `sesame-poem` mount
//! [`AuthServerService::handle`] on their routers (their
//! `authorization_server` feature).
//!
//! ## Where to start reading
//!
//! * [`AuthorizationServer`] (`server.rs`) — the protocol: configuration,
//!   keys, [`authorize`](AuthorizationServer::authorize),
//!   [`approve`](AuthorizationServer::approve), [`token`](AuthorizationServer::token).
//! * [`AuthServerService`] (`service.rs`) — the HTTP surface: one
//!   `handle(request, now, rng)` answering every route in [`ROUTES`],
//!   with the login page, consent, social buttons, userinfo, revocation
//!   and introspection.
//!
//! | file | concern |
//! |---|---|
//! | `config.rs` | [`ServerConfig`], [`RegisteredClient`], redirect-URI matching |
//! | `keys.rs` | the signing key ring: publish → activate → retire |
//! | `metadata.rs` | the discovery document and JWKS |
//! | `authorize.rs` | `/authorize`: validating the request, codes, error redirects |
//! | `client_auth.rs` | client authentication at `/token`, `/revoke`, `/introspect` |
//! | `client_assertion.rs` | `private_key_jwt` assertions |
//! | `client_keys.rs` | client keys fetched from a `jwks_uri` ([`ClientKeysFetcher`]) and their cache |
//! | `token/` | `/token`: one file per grant, and issuing tokens |
//! | `access_token.rs` | verifying this server's own access tokens |
//! | `users.rs` | the app's user check |
//! | `login_page.rs` | the login page's looks and social buttons |
//! | `forms.rs` | the sealed states of the login and consent forms |
//! | `pages.rs` | the HTML pages and their security headers |
//! | `csrf.rs` | the login and consent forms' CSRF protection |
//! | `throttle.rs` | throttling of password and client-secret guessing: the rule and its [`ThrottleConfig`] |
//! | `social.rs` | social-login buttons that end in this server's code |
//! | `userinfo.rs`, `revocation.rs`, `introspection.rs` | the other endpoints |
//! | `store.rs` | the [`Store`] trait and [`MemoryStore`] |
//! | `openapi.rs` | this server as an OpenAPI security scheme, the docs client |
//! | `error.rs` | errors by layer, with their OAuth codes |
//!
//! # Security properties
//!
//! * `redirect_uri` must match a registered one exactly; for loopback IP
//!   redirect URIs only the port may differ (RFC 8252 §7.3). Errors go back
//!   to the client only once client and redirect URI are known good;
//!   otherwise the answer is a 400 page — never an open redirect.
//! * PKCE S256 is mandatory; `plain` is refused; the verifier is checked
//!   against the standard unpadded challenge.
//! * Codes are single-use and live at most 60 s; a replayed code is refused
//!   and the tokens issued from it are revoked (RFC 6749 §4.1.2).
//! * Refresh tokens rotate; presenting an old one revokes the whole family
//!   (RFC 9700 §4.14).
//! * Repeated parameters are refused (RFC 6749 §3.1); `iss` is in every
//!   authorization response (RFC 9207); token responses carry
//!   `Cache-Control: no-store`.
//! * Access tokens are RFC 9068 JWTs (`typ: at+jwt`); the app's claims can
//!   never override a reserved claim.
//! * Codes and refresh tokens are stored by their SHA-256 hash only.
//! * Password and client-secret guessing is throttled ([`ThrottleConfig`],
//!   on by default): per username and per address at the login page, per
//!   `client_id` and per address at `/token`, `/introspect` and
//!   `/revoke`. After a few failures every attempt waits (429 with
//!   `Retry-After`, 1 s doubling up to 15 min), right credentials or not,
//!   known username or not; counters live in the [`Store`], under hashes,
//!   and end with their window. Adapters pass the peer's address as a
//!   [`ClientAddr`] request extension.
//! * A login form can be posted once: its CSRF nonce is marked used in
//!   the [`Store`] (first wins) for as long as the form could be opened.
//!
//! ```
//! use std::sync::Arc;
//! use sesame_core::jose::{Algorithm, SigningKey};
//! use sesame_core::seal::{Sealer, SealingKey};
//! use sesame_server::{
//!     AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig, StaticUsers,
//! };
//!
//! let config = ServerConfig::new("https://id.example.com")
//!     .client(RegisteredClient::new("web", Some("web-secret"), &["https://app.example.com/cb"]));
//! let (key, _) = SigningKey::generate(Algorithm::ES256, "key-1").unwrap();
//! let server = Arc::new(AuthorizationServer::new(config, key));
//! let users = StaticUsers::default().user("alice", "alice-password", Default::default());
//! let service = AuthServerService::new(
//!     server,
//!     Arc::new(MemoryStore::default()),
//!     Arc::new(users),
//!     Sealer::new(SealingKey::from_bytes([7; 32])),
//! );
//! assert_eq!(service.server().metadata()["issuer"], "https://id.example.com");
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

mod access_token;
mod audit;
mod authorize;
mod client_assertion;
mod client_auth;
mod client_keys;
mod config;
mod csrf;
mod dpop;
mod error;
mod forms;
mod introspection;
mod keys;
mod login_page;
mod metadata;
mod openapi;
mod pages;
mod pushed;
mod revocation;
mod server;
mod service;
mod social;
mod store;
mod throttle;
mod token;
mod userinfo;
mod users;

use std::time::Duration;

pub use authorize::{AuthorizationRequest, AuthorizeError};
pub use client_assertion::{CLIENT_ASSERTION_TYPE, MAX_ASSERTION_LIFETIME};
pub use client_keys::{ClientKeysFetcher, KeysFetchError};
pub use config::{redirect_matches, ConfigError, RegisteredClient, ServerConfig};
pub use dpop::DpopConfig;
pub use error::{KeyRingError, OAuthError, ServerError};
pub use login_page::{LoginButton, LoginPage, SOCIAL_CONTINUE_PATH};
pub use pushed::REQUEST_URI_PREFIX;
pub use server::AuthorizationServer;
pub use service::AuthServerService;
pub use store::{
    family_of_refresh_key, redeem_in_two_steps, rotate_in_two_steps, CodeGrant, CodeTake, Failures,
    FirstRefresh, MemoryStore, RefreshGrant, RefreshTake, Store, StoreError, DEFAULT_CAPACITY,
    PURGE_INTERVAL,
};
pub use throttle::{ClientAddr, Limit, ThrottleConfig};
pub use users::{StaticUsers, User, Users};

/// The paths [`AuthServerService::handle`] answers, for adapters to route.
pub const ROUTES: &[&str] = &[
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
    "/jwks.json",
    "/authorize",
    "/par",
    "/login",
    "/consent",
    "/token",
    "/revoke",
    "/introspect",
    "/userinfo",
];

/// Parameters (query strings, form bodies) longer than this are refused.
pub const MAX_PARAMS_LEN: usize = 8 * 1024;
/// The longest an authorization code may live.
pub const MAX_CODE_TTL: Duration = Duration::from_secs(60);
/// The longest a pushed request's `request_uri` may live (RFC 9126 §2.2
/// asks for a short lifetime).
pub const MAX_PUSHED_REQUEST_TTL: Duration = Duration::from_secs(600);

/// Claims the server sets; app claims with these names are dropped.
pub const RESERVED_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "client_id",
    "scope",
    "typ",
    "auth_time",
    "acr",
    "amr",
    "sid",
    "cnf",
    "nonce",
    "at_hash",
    "c_hash",
    "azp",
    "token_use",
];

/// The largest request body the server reads (its forms and token requests).
pub const MAX_BODY_LEN: usize = MAX_PARAMS_LEN * 2;

/// Whether a request declares (`Content-Length`) a body larger than
/// [`MAX_BODY_LEN`]: adapters refuse it with 413 before reading a byte.
///
/// ```
/// let mut h = http::HeaderMap::new();
/// h.insert("content-length", "10000000000".parse().unwrap());
/// assert!(sesame_server::declares_too_large_body(&h));
/// ```
pub fn declares_too_large_body(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY_LEN as u64)
}

/// The answer to a body that is too large: 413 `invalid_request`.
pub fn body_too_large() -> http::Response<Vec<u8>> {
    sesame_core::response::json_response(
        413,
        &serde_json::json!({"error": sesame_core::protocol::ErrorCode::InvalidRequest.as_str()}),
    )
}

/// A token or code as it is stored: its SHA-256, base64url.
pub(crate) fn sha256_b64(s: &str) -> String {
    sesame_core::base64url::encode(sesame_core::crypto::sha256(s.as_bytes()))
}

/// The store key of a refresh token or a code (see
/// [`Store`](store::Store)): its SHA-256, after the family the token names
/// (`<family>.<random>`), so that a store finds the record in one step. A
/// token from before tokens named their family is keyed by its bare hash.
pub(crate) fn store_key(token: &str) -> String {
    // A token and its key share the `<family>.<rest>` shape.
    let hash = sha256_b64(token);
    match store::family_of_refresh_key(token) {
        Some(family) => format!("{family}.{hash}"),
        None => hash,
    }
}

/// A new refresh token or code of `family`: `<family>.<32 random bytes>`.
/// The family is no secret (access tokens carry it as `sid`); the random
/// part is what makes the token unguessable.
pub(crate) fn new_family_token(
    family: &str,
    rng: &dyn sesame_core::random::Random,
) -> Result<String, ServerError> {
    Ok(format!(
        "{family}.{}",
        sesame_core::random::random_b64(rng, 32)?
    ))
}

/// The first value of `name` in parsed parameters.
pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}
