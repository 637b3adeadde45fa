//! Why a session could not be used, split by who is at fault.

use crate::jose::JoseError;

/// Why a session ended (the request then has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionEnd {
    /// Unused for longer than the idle timeout.
    #[error("session idle for too long")]
    Idle,
    /// Older than the absolute timeout.
    #[error("session expired")]
    Expired,
    /// Ended by a logout (here, at another instance, or back-channel from the provider).
    #[error("session ended by logout")]
    LoggedOut,
    /// The provider refused to refresh its tokens (the grant was revoked).
    #[error("provider refused to refresh the session")]
    RefreshRefused,
    /// The server-side record is gone.
    #[error("session not found")]
    NotFound,
}

/// The session store failed: our side, answered 503.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionStoreError {
    /// The store did not answer in time or could not be reached.
    #[error("session store unavailable")]
    Unavailable,
    /// The store is full (the in-memory store's capacity).
    #[error("session store is full")]
    Full,
}

/// Why a session operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The request carries no live session: 401.
    #[error("not signed in")]
    NoSession,
    /// The session ended: 401.
    #[error("{0}")]
    Ended(SessionEnd),
    /// The access token expired and there is no refresh token: 401, sign in again.
    #[error("access token expired and cannot be refreshed")]
    AccessTokenExpired,
    /// Cookie storage: the sealed session is larger than a browser keeps: a
    /// configuration problem (use [`SessionStorage::Server`](super::SessionStorage::Server)).
    #[error(
        "session cookie would be {size} bytes, over the 4096-byte limit; use server-side storage"
    )]
    CookieTooLarge {
        /// The `Set-Cookie` pair's size in bytes.
        size: usize,
    },
    /// The session store failed: 503.
    #[error(transparent)]
    Store(#[from] SessionStoreError),
    /// Another request is refreshing this session and did not finish in time: 503.
    #[error("session refresh still in progress")]
    RefreshBusy,
    /// The return from the provider's logout carries the wrong or no state: 400.
    #[error("logout state mismatch")]
    LogoutStateMismatch,
    /// The account-linking policy refused this login: 403.
    #[error("account linking refused")]
    LinkRefused,
    /// A link was requested without a signed-in session: 401.
    #[error("linking needs a signed-in session")]
    LinkWithoutSession,
    /// Randomness or sealing failed inside: 500.
    #[error("session sealing failed")]
    Internal,
}

impl SessionError {
    /// The HTTP status adapters answer with.
    pub fn status(&self) -> u16 {
        match self {
            SessionError::NoSession
            | SessionError::Ended(_)
            | SessionError::AccessTokenExpired
            | SessionError::LinkWithoutSession => 401,
            SessionError::LogoutStateMismatch => 400,
            SessionError::LinkRefused => 403,
            SessionError::Store(_) | SessionError::RefreshBusy => 503,
            SessionError::CookieTooLarge { .. } | SessionError::Internal => 500,
        }
    }

    /// The `error` code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::NoSession | SessionError::Ended(_) | SessionError::LinkWithoutSession => {
                "unauthenticated"
            }
            SessionError::AccessTokenExpired => "session_expired",
            SessionError::LogoutStateMismatch => "invalid_logout_state",
            SessionError::LinkRefused => "link_refused",
            SessionError::Store(_) | SessionError::RefreshBusy => "temporarily_unavailable",
            SessionError::CookieTooLarge { .. } => "configuration_error",
            SessionError::Internal => "internal_error",
        }
    }

    /// The JSON error response (`Cache-Control: no-store`).
    pub fn to_response(&self) -> http::Response<Vec<u8>> {
        let mut resp = crate::response::json_response(
            self.status(),
            &serde_json::json!({"error": self.code(), "error_description": self.to_string()}),
        );
        if self.status() == 503 {
            resp.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("1"),
            );
        }
        resp
    }
}

impl From<crate::seal::SealError> for SessionError {
    fn from(_: crate::seal::SealError) -> Self {
        SessionError::Internal
    }
}

impl From<crate::random::RandomError> for SessionError {
    fn from(_: crate::random::RandomError) -> Self {
        SessionError::Internal
    }
}

/// Why a back-channel logout token was refused (OpenID Connect
/// Back-Channel Logout 1.0 §2.6). Every refusal answers 400 and touches no session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogoutTokenError {
    /// The request has no `logout_token` form field (or it is repeated or malformed).
    #[error("logout_token missing")]
    Missing,
    /// No configured provider has the token's issuer.
    #[error("logout token from an unknown issuer")]
    UnknownIssuer,
    /// The JWS was refused: signature, algorithm (`none` and HMAC are never
    /// accepted), unknown key, format.
    #[error("logout token signature: {0}")]
    Jose(JoseError),
    /// The `typ` header names another kind of token.
    #[error("token type is not a logout token")]
    WrongType,
    /// The claims are not a JSON object or a claim has the wrong type.
    #[error("logout token claims are malformed")]
    MalformedClaims,
    /// `iss` is not the provider's issuer.
    #[error("logout token issuer mismatch")]
    IssuerMismatch,
    /// `aud` does not contain the client id.
    #[error("logout token audience mismatch")]
    AudienceMismatch,
    /// `iat` is missing.
    #[error("logout token has no iat")]
    MissingIssuedAt,
    /// `iat` is in the future beyond the leeway.
    #[error("logout token issued in the future")]
    IssuedInFuture,
    /// `iat` is older than the accepted age.
    #[error("logout token is too old")]
    TooOld,
    /// `exp` is present and in the past.
    #[error("logout token has expired")]
    Expired,
    /// `jti` is missing or empty.
    #[error("logout token has no jti")]
    MissingJti,
    /// `events` lacks the back-channel logout event (an object).
    #[error("logout token has no back-channel logout event")]
    MissingEvent,
    /// Neither `sub` nor `sid` is present.
    #[error("logout token has neither sub nor sid")]
    MissingSubjectAndSession,
    /// A `nonce` is present (forbidden, so that an ID token is never taken for a logout token).
    #[error("logout token must not have a nonce")]
    HasNonce,
    /// This `jti` was already received.
    #[error("logout token replayed")]
    Replayed,
}
