//! The authorization server's errors, split by layer.
//!
//! * [`OAuthError`] — a refusal the client must see: an RFC 6749 error
//!   code ([`ErrorCode`]) with a short description, answered as JSON (or
//!   as an error redirect at `/authorize`).
//! * [`ServerError`] — why the server could not do its own part: the store
//!   is down (503), or something inside failed (randomness, signing).
//! * Throttled credential guessing is answered `429 Too Many Requests`
//!   with `Retry-After` and the RFC 6749 §5.2 body
//!   `{"error": "temporarily_unavailable", "error_description": …}`: no
//!   RFC defines a code for it at the token, revocation or introspection
//!   endpoints, and `temporarily_unavailable` (RFC 6749 §4.1.2.1) says
//!   what a client should do — retry later — without claiming that its
//!   credentials were wrong (they are not checked while it must wait).

use sesame_core::protocol::ErrorCode;
use sesame_core::InternalError;

use crate::store::StoreError;

/// A refusal with its OAuth error code (RFC 6749 §5.2, RFC 7009, RFC 7662).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    /// The error code.
    pub code: ErrorCode,
    /// A short description for developers (no secrets, no internals).
    pub description: &'static str,
    /// Whether to answer `WWW-Authenticate: Basic` (a failed HTTP Basic
    /// client authentication, RFC 6749 §5.2).
    pub basic_challenge: bool,
}

impl OAuthError {
    /// A refusal with this code and description.
    pub fn new(code: ErrorCode, description: &'static str) -> Self {
        Self {
            code,
            description,
            basic_challenge: false,
        }
    }

    /// Client authentication failed (401); `basic` when the client tried HTTP Basic.
    pub fn invalid_client(basic: bool) -> Self {
        Self {
            code: ErrorCode::InvalidClient,
            description: "client authentication failed",
            basic_challenge: basic,
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The JSON answer with `Cache-Control: no-store` and, for a failed
    /// Basic authentication, the challenge.
    pub fn to_response(&self) -> http::Response<Vec<u8>> {
        let mut resp = sesame_core::response::oauth_error(self.code, self.description);
        resp.headers_mut().insert(
            http::header::PRAGMA,
            http::HeaderValue::from_static("no-cache"),
        );
        if self.basic_challenge {
            resp.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Basic realm=\"token\""),
            );
        }
        resp
    }
}

impl From<ServerError> for OAuthError {
    fn from(e: ServerError) -> Self {
        match e {
            ServerError::Store(_) => {
                OAuthError::new(ErrorCode::TemporarilyUnavailable, "try again later")
            }
            ServerError::Internal(_) | ServerError::InvalidRedirect => {
                OAuthError::new(ErrorCode::ServerError, "the server failed")
            }
        }
    }
}

/// The answer to a client authentication that must wait `wait` (see the
/// module's docs): 429, `Retry-After`, never cached.
pub(crate) fn too_many_attempts(wait: std::time::Duration) -> http::Response<Vec<u8>> {
    let mut resp = sesame_core::response::json_response(
        429,
        &serde_json::json!({
            "error": ErrorCode::TemporarilyUnavailable.as_str(),
            "error_description": "too many failed attempts; retry after the Retry-After delay",
        }),
    );
    resp.headers_mut().insert(
        http::header::PRAGMA,
        http::HeaderValue::from_static("no-cache"),
    );
    crate::throttle::set_retry_after(&mut resp, wait);
    resp
}

/// Why the server could not do its own part of a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The store is unreachable or failed: answer 503.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Randomness, sealing or signing failed.
    #[error(transparent)]
    Internal(#[from] InternalError),
    /// A validated request's redirect URI no longer parses (a bug).
    #[error("redirect uri is invalid")]
    InvalidRedirect,
}

impl ServerError {
    /// The error code answered for it.
    pub fn code(&self) -> ErrorCode {
        match self {
            ServerError::Store(_) => ErrorCode::TemporarilyUnavailable,
            ServerError::Internal(_) | ServerError::InvalidRedirect => ErrorCode::ServerError,
        }
    }

    /// The JSON answer: 503 `temporarily_unavailable` or 500 `server_error`.
    pub fn to_response(&self) -> http::Response<Vec<u8>> {
        sesame_core::response::json_response(
            self.code().status(),
            &serde_json::json!({"error": self.code().as_str()}),
        )
    }
}

impl From<sesame_core::random::RandomError> for ServerError {
    fn from(_: sesame_core::random::RandomError) -> Self {
        ServerError::Internal(InternalError::Random)
    }
}

/// Why a key set (or the configuration it comes with) cannot run the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyRingError {
    /// The configuration itself cannot run ([`ServerConfig::check`](crate::ServerConfig::check)).
    #[error(transparent)]
    Config(#[from] crate::ConfigError),
    /// No key at all.
    #[error("no signing key")]
    Empty,
    /// The configuration signs with this algorithm but no key has it.
    #[error("no signing key for {0:?}")]
    MissingAlgorithm(sesame_core::jose::Algorithm),
    /// Two keys share this `kid`.
    #[error("two keys share the kid {0}")]
    DuplicateKid(String),
    /// This key cannot be published for verifiers (a shared-secret key).
    #[error("key {0} cannot be published")]
    NotPublishable(String),
}
