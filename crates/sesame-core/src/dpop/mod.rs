//! DPoP (RFC 9449): proof-of-possession for access and refresh tokens.
//!
//! A DPoP client holds a key pair ([`ProofKey`]) and sends, with every
//! request, a `DPoP` header: a short-lived JWT signed by that key, naming
//! the request's method and URI, and (at a resource server) hashing the
//! access token. The authorization server binds the tokens it issues to the
//! key's thumbprint (`cnf.jkt`); a stolen token is then useless without the
//! private key.
//!
//! | role | what this module gives it |
//! |---|---|
//! | client | [`ProofKey::proof`], [`authorize_request`], [`nonce_retry`], [`response_nonce`]; logins and refreshes through [`ClientConfig::dpop`](crate::client::ClientConfig::dpop) |
//! | authorization or resource server | [`ProofPolicy::check`], [`NonceSource`], [`Challenge`] |
//! | authorization server issuing tokens | [`cnf_claim`] |
//! | resource server accepting tokens | [`confirm`], [`is_bound`] |
//!
//! Like the rest of the crate this is sans-IO: `now` and randomness are
//! arguments. Replay protection needs shared state, so it is the caller's:
//! [`CheckedProof::replay_key`] and [`CheckedProof::replay_ttl`] say what a
//! replay cache must remember and for how long.
//!
//! # A round trip
//!
//! ```
//! use std::time::SystemTime;
//! use sesame_core::dpop::{confirm, cnf_claim, ProofKey, ProofPolicy};
//! use sesame_core::jose::Algorithm;
//! use sesame_core::random::SeededRandom;
//!
//! let rng = SeededRandom::new(7);
//! let now = SystemTime::now();
//! let uri: url::Url = "https://api.example.com/orders?page=2".parse().unwrap();
//!
//! // The client, calling a resource server with a DPoP-bound access token.
//! let key = ProofKey::generate(Algorithm::ES256).unwrap();
//! let token = "an-access-token";
//! let proof = key
//!     .proof(&http::Method::GET, &uri, now, &rng, Some(token), None)
//!     .unwrap();
//!
//! // The resource server: the proof, then the token's binding to its key.
//! let checked = ProofPolicy::default()
//!     .check(&proof, &http::Method::GET, &uri, now, Some(token), |_| false)
//!     .unwrap();
//! assert_eq!(checked.jkt(), key.thumbprint());
//! // (the claims would come from the validated access token)
//! let mut claims = serde_json::Map::new();
//! claims.insert("cnf".into(), cnf_claim(key.thumbprint()));
//! assert!(confirm(&claims, checked.jkt()).is_ok());
//! // A replay cache remembers `checked.replay_key()` for `checked.replay_ttl()`.
//! assert!(!checked.replay_key().is_empty());
//! ```

mod binding;
mod challenge;
mod client;
mod login_key;
mod nonce;
mod proof;
mod refusal;
mod thumbprint;
mod uri;
mod verify;

pub use binding::{ath, cnf_claim, confirm, is_bound, BindingError};
pub use challenge::Challenge;
pub use client::{authorize_request, nonce_retry, response_nonce};
pub use login_key::LoginKey;
pub use nonce::{NonceError, NonceSource};
pub use proof::{DpopError, Pkcs8Document, ProofKey};
pub use refusal::{DpopErrorCode, ProofRefusal};
pub use thumbprint::{thumbprint, ThumbprintError};
pub use uri::htu_matches;
pub use verify::{proof_from_headers, CheckedProof, ProofPolicy};

/// The request header carrying a proof (`DPoP`).
pub const DPOP_HEADER: &str = "dpop";
/// The response header carrying a server-provided nonce (`DPoP-Nonce`).
pub const DPOP_NONCE_HEADER: &str = "dpop-nonce";
/// The `typ` of every DPoP proof.
pub const PROOF_TYPE: &str = "dpop+jwt";
/// The authorization scheme of DPoP-bound access tokens (`Authorization: DPoP <token>`).
pub const SCHEME: &str = "DPoP";
