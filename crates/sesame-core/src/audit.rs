//! The audit vocabulary: what the drivers and the authorization server
//! report to operators, as `tracing` events under the target
//! [`AUDIT_TARGET`] and as the counter [`EVENTS_METRIC`] (label `event`)
//! through the `metrics` facade.
//!
//! Events carry who and what (provider or client id, the session's or
//! subject's fingerprint, an error code), never a secret: no token, code,
//! verifier, cookie, password, client secret or session id.
//!
//! ```
//! use sesame_core::audit::AuditEvent;
//! assert_eq!(AuditEvent::RefreshTokenReuse.as_str(), "refresh_token_reuse");
//! ```

/// The `tracing` target of audit events: filter on it
/// (`RUST_LOG=sesame::audit=info`) to get the audit log alone.
pub const AUDIT_TARGET: &str = "sesame::audit";

/// The counter of audit events, labelled `event` (see [`AuditEvent::as_str`]).
pub const EVENTS_METRIC: &str = "sesame_audit_events_total";

/// The histogram of request handling times in seconds, labelled `route` and `outcome`.
pub const DURATION_METRIC: &str = "sesame_request_duration_seconds";

/// Something an operator wants to know happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuditEvent {
    /// A login at a provider completed (relying party).
    LoginSucceeded,
    /// A login at a provider failed (relying party): the error code says why.
    LoginFailed,
    /// A session began.
    SessionStarted,
    /// A session's tokens were refreshed at the provider.
    SessionRefreshed,
    /// The provider refused a session's refresh; the session ended.
    SessionRefreshRefused,
    /// A session was ended by a logout here.
    Logout,
    /// The provider ended sessions through back-channel logout.
    BackchannelLogout,
    /// A back-channel logout token was refused.
    BackchannelLogoutRefused,
    /// A password sign-in at the authorization server succeeded.
    SignInSucceeded,
    /// A password sign-in at the authorization server failed.
    SignInFailed,
    /// Credential guessing was throttled (429).
    Throttled,
    /// The authorization server issued tokens.
    TokenIssued,
    /// A used refresh token came back: its family is revoked.
    RefreshTokenReuse,
    /// A replayed authorization code: its family is revoked.
    CodeReplay,
    /// A token was revoked (RFC 7009).
    TokenRevoked,
    /// A client failed to authenticate at the token, introspection or revocation endpoint.
    ClientAuthFailed,
}

impl AuditEvent {
    /// The event's name: the `event` field and metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::LoginSucceeded => "login_succeeded",
            AuditEvent::LoginFailed => "login_failed",
            AuditEvent::SessionStarted => "session_started",
            AuditEvent::SessionRefreshed => "session_refreshed",
            AuditEvent::SessionRefreshRefused => "session_refresh_refused",
            AuditEvent::Logout => "logout",
            AuditEvent::BackchannelLogout => "backchannel_logout",
            AuditEvent::BackchannelLogoutRefused => "backchannel_logout_refused",
            AuditEvent::SignInSucceeded => "sign_in_succeeded",
            AuditEvent::SignInFailed => "sign_in_failed",
            AuditEvent::Throttled => "throttled",
            AuditEvent::TokenIssued => "token_issued",
            AuditEvent::RefreshTokenReuse => "refresh_token_reuse",
            AuditEvent::CodeReplay => "code_replay",
            AuditEvent::TokenRevoked => "token_revoked",
            AuditEvent::ClientAuthFailed => "client_auth_failed",
        }
    }
}

impl std::fmt::Display for AuditEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
