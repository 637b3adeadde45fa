//! # sesame-providers
//!
//! The provider catalog: "Login with X" is one line of configuration.
//!
//! ```
//! use sesame_core::client::{Client, ClientConfig};
//! let github = Client::new(
//!     sesame_providers::github(),
//!     ClientConfig::new("id", "https://app.example.com/auth/github/callback".parse().unwrap()).secret("secret"),
//! )
//! .unwrap();
//! assert_eq!(github.provider().id, "github");
//! ```
//!
//! Every provider here is written against `sesame-core`'s public provider
//! API only — [`Provider`] data plus a
//! small mapping to [`Identity`](sesame_core::Identity) — so a third-party
//! crate adds one the same way (see `examples/custom-provider`).
//!
//! Rules every mapping follows:
//!
//! * `email_verified` is `true` only when the provider itself asserts it.
//! * A fallback email is taken only if the provider marks it verified and
//!   primary (GitHub, Bitbucket).
//! * ID tokens, where a provider issues them, are always validated (the
//!   core does it before any mapping runs).

#![deny(missing_docs)]

pub mod apple_client_secret;
pub mod map;
mod providers;

pub use providers::*;

use sesame_core::provider::Provider;

/// How a catalog provider finds its endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// OpenID Connect with discovery from an issuer URL.
    OidcDiscovery,
    /// OpenID Connect with fixed endpoints and ID-token validation against a fixed JWKS.
    OidcStatic,
    /// Plain OAuth 2.0 with fixed endpoints and profile API calls.
    OAuth2,
}

impl Kind {
    /// A short label for docs.
    pub fn label(self) -> &'static str {
        match self {
            Kind::OidcDiscovery => "OIDC discovery",
            Kind::OidcStatic => "OIDC (static endpoints)",
            Kind::OAuth2 => "OAuth 2.0",
        }
    }
}

/// One catalog row: a provider built with example parameters, and what
/// the docs say about it.
#[derive(Debug)]
pub struct Entry {
    /// The provider (built with placeholder tenant/domain where it takes one).
    pub provider: Provider,
    /// How it finds its endpoints.
    pub kind: Kind,
    /// The constructor to call, e.g. `github()` or `gitlab("https://gitlab.com")`.
    pub constructor: &'static str,
    /// The identity fields it fills.
    pub fields: &'static [&'static str],
    /// What to register at the provider.
    pub register: &'static str,
}

/// Every provider in the catalog, for docs and tests.
pub fn catalog() -> Vec<Entry> {
    providers::entries()
}
