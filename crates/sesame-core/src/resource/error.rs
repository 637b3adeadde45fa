//! Why a request was refused, and its RFC 6750 answer.

use crate::protocol::ErrorCode;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// No credentials at all: 401 with a bare `Bearer` challenge.
    #[error("no bearer token")]
    Missing,
    /// A malformed `Authorization` header: 400 `invalid_request`.
    #[error("malformed authorization header")]
    InvalidRequest,
    /// The token is not acceptable: 401 `invalid_token`. The reason is for
    /// logs only; it is not sent to the client.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The token's key is unknown: refetch the JWKS once, then it is `InvalidToken`.
    #[error("invalid token: unknown key")]
    UnknownKey,
    /// A required scope is missing: 403 `insufficient_scope`.
    #[error("insufficient scope: {0}")]
    InsufficientScope(String),
    /// A required claim is missing or has another value: 403.
    #[error("forbidden")]
    Forbidden,
}

impl BearerError {
    /// Whether the driver should refetch the issuer's JWKS and validate once more.
    pub fn wants_refetch(&self) -> bool {
        matches!(self, BearerError::UnknownKey)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            BearerError::Missing | BearerError::InvalidToken(_) | BearerError::UnknownKey => 401,
            BearerError::InvalidRequest => 400,
            BearerError::InsufficientScope(_) | BearerError::Forbidden => 403,
        }
    }

    /// The RFC 6750 error code, if the answer carries one (a request
    /// without credentials gets a bare challenge, RFC 6750 §3.1).
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            BearerError::Missing => None,
            BearerError::InvalidRequest => Some(ErrorCode::InvalidRequest),
            BearerError::InvalidToken(_) | BearerError::UnknownKey => Some(ErrorCode::InvalidToken),
            BearerError::InsufficientScope(_) | BearerError::Forbidden => {
                Some(ErrorCode::InsufficientScope)
            }
        }
    }

    /// The RFC 6750 response: status, `WWW-Authenticate`, a JSON body.
    pub fn to_response(&self, realm: &str) -> http::Response<Vec<u8>> {
        let realm = realm.replace(['"', '\\'], "");
        let mut challenge = format!("Bearer realm=\"{realm}\"");
        if let Some(code) = self.code() {
            challenge.push_str(&format!(", error=\"{code}\""));
        }
        if let BearerError::InsufficientScope(scope) = self {
            challenge.push_str(&format!(", scope=\"{}\"", scope.replace(['"', '\\'], "")));
        }
        let body = match self.code() {
            Some(c) => serde_json::json!({"error": c.as_str()}),
            None => serde_json::json!({"error": "unauthorized"}),
        };
        let mut resp = crate::response::json_response(self.status(), &body);
        if let Ok(v) = http::HeaderValue::from_str(&challenge) {
            resp.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
        }
        resp
    }
}
