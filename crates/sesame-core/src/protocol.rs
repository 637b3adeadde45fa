//! The protocol's vocabulary as types: OAuth error codes and the endpoints
//! a request goes to. Every role (client, resource server, authorization
//! server) speaks it, so nothing compares or guesses strings.
//!
//! ```
//! use sesame_core::protocol::{Endpoint, ErrorCode};
//! assert_eq!(ErrorCode::InvalidGrant.as_str(), "invalid_grant");
//! assert_eq!(ErrorCode::InvalidClient.status(), 401);
//! assert_eq!(ErrorCode::parse("insufficient_scope"), Some(ErrorCode::InsufficientScope));
//! assert_eq!(Endpoint::Token.to_string(), "token");
//! ```

use std::fmt;

/// An OAuth 2.0 error code: RFC 6749 §4.1.2.1 (authorization responses)
/// and §5.2 (token responses), RFC 6750 §3 (bearer tokens), RFC 7009
/// (revocation), RFC 8628 §3.5 (device flow), OpenID Connect Core §3.1.2.6,
/// RFC 9101/9126 (request objects, PAR) and RFC 9449 (DPoP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request is missing a parameter, repeats one, or is otherwise malformed.
    InvalidRequest,
    /// Client authentication failed (RFC 6749 §5.2): answered with 401.
    InvalidClient,
    /// The grant (code, refresh token) is invalid, expired, revoked, or for another client.
    InvalidGrant,
    /// The client may not use this grant type or flow.
    UnauthorizedClient,
    /// The grant type is not supported.
    UnsupportedGrantType,
    /// The requested scope is invalid, unknown, or exceeds what was granted.
    InvalidScope,
    /// The resource owner or the server denied the request.
    AccessDenied,
    /// The response type is not supported.
    UnsupportedResponseType,
    /// The server failed unexpectedly.
    ServerError,
    /// The server cannot answer now (its store is down, for example): 503.
    TemporarilyUnavailable,
    /// The access token is expired, revoked, malformed or invalid (RFC 6750).
    InvalidToken,
    /// The token lacks a scope the resource needs (RFC 6750): 403.
    InsufficientScope,
    /// The server cannot revoke this type of token (RFC 7009 §2.2.1).
    UnsupportedTokenType,
    /// The device authorization is still pending (RFC 8628).
    AuthorizationPending,
    /// The client polls too often (RFC 8628).
    SlowDown,
    /// The device code expired (RFC 8628).
    ExpiredToken,
    /// Request objects are not supported (OpenID Connect Core §6).
    RequestNotSupported,
    /// `request_uri` is not supported (OpenID Connect Core §6).
    RequestUriNotSupported,
    /// The `request_uri` is unknown, used or expired (RFC 9126).
    InvalidRequestUri,
    /// The user must sign in (`prompt=none`).
    LoginRequired,
    /// The user must consent (`prompt=none`).
    ConsentRequired,
    /// The user must interact (`prompt=none`).
    InteractionRequired,
    /// The DPoP proof is invalid (RFC 9449).
    InvalidDpopProof,
    /// The server requires a DPoP nonce (RFC 9449).
    UseDpopNonce,
}

impl ErrorCode {
    const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidRequest,
        ErrorCode::InvalidClient,
        ErrorCode::InvalidGrant,
        ErrorCode::UnauthorizedClient,
        ErrorCode::UnsupportedGrantType,
        ErrorCode::InvalidScope,
        ErrorCode::AccessDenied,
        ErrorCode::UnsupportedResponseType,
        ErrorCode::ServerError,
        ErrorCode::TemporarilyUnavailable,
        ErrorCode::InvalidToken,
        ErrorCode::InsufficientScope,
        ErrorCode::UnsupportedTokenType,
        ErrorCode::AuthorizationPending,
        ErrorCode::SlowDown,
        ErrorCode::ExpiredToken,
        ErrorCode::RequestNotSupported,
        ErrorCode::RequestUriNotSupported,
        ErrorCode::InvalidRequestUri,
        ErrorCode::LoginRequired,
        ErrorCode::ConsentRequired,
        ErrorCode::InteractionRequired,
        ErrorCode::InvalidDpopProof,
        ErrorCode::UseDpopNonce,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::UnsupportedTokenType => "unsupported_token_type",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::RequestNotSupported => "request_not_supported",
            ErrorCode::RequestUriNotSupported => "request_uri_not_supported",
            ErrorCode::InvalidRequestUri => "invalid_request_uri",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::ConsentRequired => "consent_required",
            ErrorCode::InteractionRequired => "interaction_required",
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            ErrorCode::UseDpopNonce => "use_dpop_nonce",
        }
    }

    /// The code named `text`, if it is one of these.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == text)
    }

    /// The HTTP status an endpoint answers this error with: 401 for
    /// `invalid_client` and `invalid_token`, 403 for `insufficient_scope`
    /// and `access_denied`, 500 for `server_error`, 503 for
    /// `temporarily_unavailable`, 400 otherwise (RFC 6749 §5.2, RFC 6750 §3.1).
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidClient | ErrorCode::InvalidToken | ErrorCode::UseDpopNonce => 401,
            ErrorCode::InsufficientScope | ErrorCode::AccessDenied => 403,
            ErrorCode::ServerError => 500,
            ErrorCode::TemporarilyUnavailable => 503,
            _ => 400,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a request of the protocol goes: carried by every
/// [`Step::Send`](crate::step::Step::Send) and by errors, so drivers log,
/// time out and classify calls without looking at URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// The authorization endpoint (the browser goes there, not the driver).
    Authorization,
    /// The token endpoint (codes, refresh tokens, client credentials).
    Token,
    /// The pushed authorization request endpoint (RFC 9126).
    PushedAuthorization,
    /// The userinfo endpoint (OpenID Connect Core §5.3).
    Userinfo,
    /// The discovery document (OpenID Connect Discovery, RFC 8414).
    Discovery,
    /// The JWK Set.
    Jwks,
    /// RFC 7662 token introspection.
    Introspection,
    /// RFC 7009 token revocation.
    Revocation,
    /// The end-session endpoint (RP-Initiated Logout).
    EndSession,
    /// A provider API call named by the provider definition (`emails`, `me`, …).
    Api(String),
}

impl Endpoint {
    /// A short name for logs and error messages: `token`, `userinfo`, or the API call's name.
    pub fn as_str(&self) -> &str {
        match self {
            Endpoint::Authorization => "authorization",
            Endpoint::Token => "token",
            Endpoint::PushedAuthorization => "pushed_authorization",
            Endpoint::Userinfo => "userinfo",
            Endpoint::Discovery => "discovery",
            Endpoint::Jwks => "jwks",
            Endpoint::Introspection => "introspection",
            Endpoint::Revocation => "revocation",
            Endpoint::EndSession => "end_session",
            Endpoint::Api(name) => name,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Endpoint {
    /// The endpoint with this short name; any other name is a provider API call.
    fn from(name: &str) -> Self {
        match name {
            "authorization" => Endpoint::Authorization,
            "token" => Endpoint::Token,
            "userinfo" => Endpoint::Userinfo,
            "discovery" => Endpoint::Discovery,
            "jwks" => Endpoint::Jwks,
            "introspection" => Endpoint::Introspection,
            "revocation" => Endpoint::Revocation,
            "end_session" => Endpoint::EndSession,
            other => Endpoint::Api(other.to_owned()),
        }
    }
}

/// An OAuth 2.0 grant type (the `grant_type` of a token request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GrantType {
    /// RFC 6749 §4.1.3.
    AuthorizationCode,
    /// RFC 6749 §6.
    RefreshToken,
    /// RFC 6749 §4.4.
    ClientCredentials,
}

impl GrantType {
    /// The value as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
        }
    }

    /// The grant type named `text`, if supported.
    pub fn parse(text: &str) -> Option<Self> {
        [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
        ]
        .into_iter()
        .find(|g| g.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
        }
        assert_eq!(ErrorCode::parse("made_up"), None);
    }

    #[test]
    fn endpoints_round_trip_by_name() {
        for e in [Endpoint::Token, Endpoint::Userinfo, Endpoint::Jwks] {
            assert_eq!(Endpoint::from(e.as_str()), e);
        }
        assert_eq!(Endpoint::from("emails"), Endpoint::Api("emails".into()));
    }
}
