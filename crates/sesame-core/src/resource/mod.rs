//! The resource server's protocol: validating bearer tokens (RFC 6750,
//! RFC 9068) and guarding routes by scope and claims, sans-IO.
//!
//! Start with [`BearerPolicy`]: the trusted issuers ([`BearerValidator`]),
//! an optional [`VerifiedTokenCache`] and an optional [`Introspector`] for
//! opaque tokens. [`BearerPolicy::check`] turns a request's headers and a
//! route's [`Guard`] into a [`BearerCheck`], an [`Exchange`](crate::step::Exchange)
//! driven by the same loop as a login (see [`crate::step`]): it asks for
//! the issuer's keys ([`Step::NeedKeys`](crate::step::Step::NeedKeys)),
//! asks once more with `refresh` set when the token names a key the set
//! lacks (rotation), or asks to send an introspection request; it ends in
//! the token's [`AccessClaims`].
//!
//! ```
//! use std::time::SystemTime;
//! use sesame_core::resource::{BearerPolicy, BearerValidator, Guard, TrustedIssuer};
//! use sesame_core::step::Step;
//!
//! let policy = BearerPolicy::new(BearerValidator::new().issuer(TrustedIssuer::new(
//!     "https://id.example.com",
//!     "https://id.example.com/jwks.json".parse().unwrap(),
//!     "https://api.example.com",
//! )));
//! let headers = http::HeaderMap::new();
//! // No credentials: refused before anything is fetched (401, bare challenge).
//! let refused = policy.check(&headers, &Guard::new(), SystemTime::now()).unwrap_err();
//! assert_eq!(refused.status(), 401);
//! ```
//!
//! With [`BearerPolicy::dpop`] the API also accepts DPoP-bound tokens
//! (RFC 9449): `Authorization: DPoP <token>` with a `DPoP` proof, checked
//! by [`BearerPolicy::check_request`] against the request's method and URI
//! (see [`BearerPolicy`]'s DPoP rules and [`DpopMode`]).
//!
//! Failures answer RFC 6750 §3: `401` with `WWW-Authenticate: Bearer
//! error="invalid_token"` (no detail that helps an attacker), `403
//! insufficient_scope` naming the scope needed, `400 invalid_request` for a
//! malformed header; DPoP refusals answer RFC 9449 §7.1's `DPoP` challenge
//! (`invalid_dpop_proof`, `use_dpop_nonce` with a `DPoP-Nonce` header, or
//! the RFC 6750 codes).
//!
//! | file | concern |
//! |---|---|
//! | `check.rs` | the policy and its state machine |
//! | `dpop.rs` | DPoP modes and the replay cache |
//! | `extract.rs` | reading `Authorization` |
//! | `issuer.rs` | trusted issuers and their keys |
//! | `validator.rs` | JWT access-token validation |
//! | `claims.rs` | validated claims, the app's claim types |
//! | `guard.rs` | scope and claim requirements |
//! | `token_cache.rs` | verified-token cache |
//! | `introspect.rs` | RFC 7662 introspection |
//! | `error.rs` | refusals and their RFC 6750 answers |
//! | `refusal.rs` | a refusal in the realm of the layer that validated the request |

mod check;
mod claims;
mod dpop;
mod error;
mod extract;
mod guard;
mod introspect;
mod issuer;
mod refusal;
mod token_cache;
mod validator;

pub use check::{BearerCheck, BearerPolicy};
pub use claims::{AccessClaims, FromAccessClaims};
pub use dpop::{DpopMode, MemoryReplayCache, ReplayCache};
pub use error::{Accepted, BearerError};
pub use extract::{extract_bearer, extract_credentials, AuthScheme};
pub use guard::{Guard, Requirement};
pub use introspect::Introspector;
pub use issuer::{IssuerKeys, KeySource, TrustedIssuer};
pub use refusal::{Realm, Refusal};
pub use token_cache::VerifiedTokenCache;
pub use validator::BearerValidator;
