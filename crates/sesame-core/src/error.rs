//! Errors of the client flow, split by who is at fault.
//!
//! Like rustls, Sesame tells apart *who* caused a failure, because that
//! decides what to answer:
//!
//! * [`RequestError`]: the browser's request is wrong or the user declined
//!   (state mismatch, missing cookie, expired login, `access_denied`).
//!   Adapters answer 4xx.
//! * [`ProviderError`]: the identity provider misbehaved or refused us
//!   (bad token response, invalid ID token, userinfo failure). Adapters
//!   answer 502.
//! * [`ConfigError`]: the application is misconfigured (no secret where one
//!   is needed, an invalid URL). Adapters answer 500 and log it.
//! * [`UsageError`]: the code driving the core broke its contract (a
//!   response fed to a finished exchange). A bug in the driver: 500.
//! * [`InternalError`]: the machine itself failed (the random number
//!   generator, sealing). Adapters answer 500 and log it.
//!
//! Messages are short, lowercase and never contain secrets; text that came
//! from outside (a provider's `error_description`) is truncated and stripped
//! of control characters.

use crate::discovery::DiscoveryError;
use crate::http_util::ParamsError;
use crate::idtoken::IdTokenError;
use crate::jose::JoseError;
use crate::protocol::{Endpoint, ErrorCode};
use crate::seal::SealError;

/// Any failure of a login, refresh or userinfo exchange.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The browser's request is wrong, or the user declined.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The identity provider misbehaved or refused.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The application's configuration is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The driver used the API against its contract.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// Something inside failed (randomness, sealing).
    #[error(transparent)]
    Internal(#[from] InternalError),
}

/// The driver used the core's API against its contract: a bug in the
/// driver, not in the request, the provider or the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// The exchange was driven out of order (a response fed after it
    /// finished, keys fed when none were asked for).
    #[error("exchange driven out of order")]
    OutOfOrder,
    /// A login was started without its pushed request at a provider that
    /// requires one: drive [`LoginService::begin`](crate::login::LoginService::begin).
    #[error("this provider requires pushed authorization requests")]
    PushRequired,
}

/// A failure inside the machine, neither the request's, the provider's nor
/// the configuration's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InternalError {
    /// The random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// Sealing a value failed.
    #[error("could not seal state")]
    Seal,
    /// Signing a token failed.
    #[error("could not sign")]
    Sign,
}

/// The browser's request is wrong, or the user declined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// No pending-login cookie came with the callback.
    #[error("no login in progress")]
    MissingLoginState,
    /// The pending-login cookie could not be opened (tampered, unknown key, malformed).
    #[error("login state is invalid")]
    InvalidLoginState(SealError),
    /// The pending login is older than its maximum age.
    #[error("login has expired")]
    LoginExpired,
    /// The callback's `state` does not match the pending login's.
    #[error("state mismatch")]
    StateMismatch,
    /// The callback has no `state`.
    #[error("callback has no state")]
    MissingState,
    /// The callback has no `code`.
    #[error("callback has no code")]
    MissingCode,
    /// The callback arrived for a different provider than the one the login started with.
    #[error("callback provider does not match the login")]
    ProviderMismatch,
    /// The callback's parameters are malformed (bad encoding, repeated, too large).
    #[error("invalid callback parameters: {0}")]
    InvalidParameters(ParamsError),
    /// The provider answered with an authorization error (RFC 6749 §4.1.2.1),
    /// typically `access_denied` when the user declined.
    #[error("authorization failed: {error}")]
    Authorization {
        /// The `error` code, as sent (truncated).
        error: String,
        /// The `error_description`, if any (truncated, control characters removed).
        description: Option<String>,
    },
    /// The callback's `iss` is not this provider's issuer (RFC 9207 mix-up defence).
    #[error("callback issuer mismatch")]
    IssuerMismatch,
    /// The provider promises `iss` in callbacks (RFC 9207) but it is missing.
    #[error("callback has no issuer")]
    MissingIssuer,
    /// The token endpoint refused the code or refresh token (`invalid_grant`):
    /// replayed, expired, or issued to someone else.
    #[error("authorization grant rejected")]
    GrantRejected,
    /// The `return_to` target is not a relative path on this site.
    #[error("invalid return_to")]
    InvalidReturnTo,
    /// The provider id in the URL is not configured.
    #[error("unknown provider")]
    UnknownProvider,
}

/// The identity provider misbehaved or refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The token endpoint answered with an OAuth error (RFC 6749 §5.2) other than `invalid_grant`.
    #[error("token endpoint error: {error}")]
    TokenEndpoint {
        /// The `error` code (truncated).
        error: String,
        /// The `error_description`, if any (truncated).
        description: Option<String>,
    },
    /// The pushed authorization request endpoint refused the request
    /// (RFC 9126 §2.3).
    #[error("pushed authorization request refused: {error}")]
    PushRefused {
        /// The `error` code (truncated).
        error: String,
        /// The `error_description`, if any (truncated).
        description: Option<String>,
    },
    /// The provider requires pushed authorization requests (RFC 9126 §5)
    /// but advertises no endpoint for them.
    #[error("the provider requires pushed requests but has no endpoint for them")]
    NoPushEndpoint,
    /// An endpoint answered with an unexpected HTTP status.
    #[error("{endpoint} answered status {status}")]
    Status {
        /// Which call: the token endpoint, userinfo, a named API call.
        endpoint: Endpoint,
        /// The HTTP status code.
        status: u16,
    },
    /// A response body could not be understood.
    #[error("{endpoint} response is malformed: {reason}")]
    MalformedResponse {
        /// Which call.
        endpoint: Endpoint,
        /// What was wrong.
        reason: &'static str,
    },
    /// The token type is not `Bearer` (nor `DPoP`, for a client using DPoP).
    #[error("unsupported token type")]
    UnsupportedTokenType,
    /// The client sent a DPoP proof but the provider answered with a
    /// `Bearer` token: it ignored the proof, and the token is not bound to
    /// the client's key (RFC 9449 §5).
    #[error("provider did not bind the token to the dpop key")]
    DpopNotBound,
    /// The ID token is invalid.
    #[error("invalid id token: {0}")]
    IdToken(IdTokenError),
    /// The provider's JWKS could not be used.
    #[error("provider keys unusable: {0}")]
    Keys(JoseError),
    /// An OpenID provider returned no ID token for an `openid` request.
    #[error("id token missing")]
    MissingIdToken,
    /// The userinfo `sub` differs from the ID token's (OIDC Core §5.3.2).
    #[error("userinfo subject does not match the id token")]
    UserinfoSubjectMismatch,
    /// The provider's metadata could not be used.
    #[error("provider metadata: {0}")]
    Discovery(DiscoveryError),
    /// The provider's data did not yield an identity (no user id, for example).
    #[error("could not map the profile: {0}")]
    Profile(String),
}

/// The application's configuration is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The provider needs a client secret but none is configured.
    #[error("client secret required")]
    MissingClientSecret,
    /// A URL in the configuration is invalid or not https.
    #[error("invalid url: {0}")]
    InvalidUrl(&'static str),
    /// A header name or value in the provider definition is invalid.
    #[error("invalid header in provider definition")]
    InvalidHeader,
    /// Minting a signed client secret failed.
    #[error("could not mint client secret")]
    ClientSecret,
    /// The provider is an OpenID provider with ID tokens but has no issuer or JWKS to validate them.
    #[error("provider cannot validate id tokens (no issuer or jwks_uri)")]
    CannotValidateIdToken,
    /// The FAPI 2.0 profile is on but the configuration lacks what it
    /// requires (named).
    #[error("fapi 2.0 requires {0}")]
    Fapi2(&'static str),
    /// Per-login DPoP keys are ES256 or EdDSA keys.
    #[error("unsupported dpop algorithm")]
    UnsupportedDpopAlgorithm,
    /// The `private_key_jwt` keys cannot be used (named why).
    #[error("private_key_jwt keys: {0}")]
    AssertionKeys(&'static str),
}

impl RequestError {
    /// The stable code of the JSON error body.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::MissingLoginState => "missing_login_state",
            RequestError::InvalidLoginState(_) => "invalid_login_state",
            RequestError::LoginExpired => "login_expired",
            RequestError::StateMismatch | RequestError::MissingState => "state_mismatch",
            RequestError::MissingCode | RequestError::InvalidParameters(_) => {
                ErrorCode::InvalidRequest.as_str()
            }
            RequestError::ProviderMismatch => "provider_mismatch",
            RequestError::Authorization { error, .. }
                if ErrorCode::parse(error) == Some(ErrorCode::AccessDenied) =>
            {
                ErrorCode::AccessDenied.as_str()
            }
            RequestError::Authorization { .. } => "authorization_failed",
            RequestError::IssuerMismatch | RequestError::MissingIssuer => "issuer_mismatch",
            RequestError::GrantRejected => ErrorCode::InvalidGrant.as_str(),
            RequestError::InvalidReturnTo => "invalid_return_to",
            RequestError::UnknownProvider => "unknown_provider",
        }
    }
}

impl ProviderError {
    /// The stable code of the JSON error body.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::IdToken(_) => "invalid_id_token",
            _ => "provider_error",
        }
    }
}

impl ConfigError {
    /// The stable code of the JSON error body.
    pub fn code(&self) -> &'static str {
        "configuration_error"
    }
}

impl UsageError {
    /// The stable code of the JSON error body.
    pub fn code(&self) -> &'static str {
        "internal_error"
    }
}

impl InternalError {
    /// The stable code of the JSON error body.
    pub fn code(&self) -> &'static str {
        "internal_error"
    }
}

impl LoginError {
    /// A short, stable, machine-readable code for JSON error bodies
    /// (`{"error": code, "error_description": message}`): the sub-error's.
    pub fn code(&self) -> &'static str {
        match self {
            LoginError::Request(e) => e.code(),
            LoginError::Provider(e) => e.code(),
            LoginError::Config(e) => e.code(),
            LoginError::Usage(e) => e.code(),
            LoginError::Internal(e) => e.code(),
        }
    }

    /// The HTTP status an adapter should answer with: 400/401/404 for the
    /// browser's faults, 502 for the provider's, 500 for the application's
    /// and for failures inside.
    pub fn status(&self) -> u16 {
        match self {
            LoginError::Request(RequestError::Authorization { .. }) => 401,
            LoginError::Request(RequestError::UnknownProvider) => 404,
            LoginError::Request(_) => 400,
            LoginError::Provider(_) => 502,
            LoginError::Config(_) | LoginError::Usage(_) | LoginError::Internal(_) => 500,
        }
    }

    /// Who is at fault.
    pub fn fault(&self) -> Fault {
        match self {
            LoginError::Request(_) => Fault::Request,
            LoginError::Provider(_) => Fault::Provider,
            LoginError::Config(_) => Fault::Config,
            LoginError::Usage(_) => Fault::Usage,
            LoginError::Internal(_) => Fault::Internal,
        }
    }
}

/// Who caused a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The browser's request, or the user.
    Request,
    /// The identity provider.
    Provider,
    /// The application's configuration.
    Config,
    /// The code driving the core.
    Usage,
    /// The machine itself (randomness, sealing).
    Internal,
}

impl From<SealError> for RequestError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::Expired => RequestError::LoginExpired,
            other => RequestError::InvalidLoginState(other),
        }
    }
}

impl From<SealError> for LoginError {
    fn from(e: SealError) -> Self {
        LoginError::Request(e.into())
    }
}

impl From<crate::random::RandomError> for LoginError {
    fn from(_: crate::random::RandomError) -> Self {
        LoginError::Internal(InternalError::Random)
    }
}

impl From<crate::http_util::ParamsError> for LoginError {
    fn from(e: crate::http_util::ParamsError) -> Self {
        LoginError::Request(RequestError::InvalidParameters(e))
    }
}
