//! A login between its start and its callback: the secrets that travel,
//! sealed, in the browser's cookie — and the `return_to` rule.

use std::fmt;
use std::time::SystemTime;

use crate::error::{InternalError, LoginError, RequestError};
use crate::random::Random;
use crate::seal::Sealer;
use crate::state::{Nonce, State};

/// The purpose label pending logins are sealed under.
pub const LOGIN_SEAL_PURPOSE: &str = "sesame/login/v1";
/// `return_to` paths longer than this are refused.
pub const MAX_RETURN_TO_LEN: usize = 2048;

/// Everything a pending login needs, sealed into the browser's cookie.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingLogin {
    #[serde(rename = "p")]
    pub(super) provider: String,
    #[serde(rename = "s")]
    pub(super) state: State,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub(super) nonce: Option<Nonce>,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub(super) verifier: Option<String>,
    #[serde(rename = "r")]
    pub(super) redirect_uri: String,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub(super) return_to: Option<String>,
    #[serde(rename = "c")]
    pub(super) created_at: u64,
    /// The login's own DPoP key ([`ClientConfig::dpop_per_login`](super::ClientConfig::dpop_per_login)).
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    pub(super) dpop_key: Option<crate::dpop::LoginKey>,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("provider", &self.provider)
            .field("return_to", &self.return_to)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl PendingLogin {
    /// Seals the pending login for its cookie.
    pub fn seal(
        &self,
        sealer: &Sealer,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<String, LoginError> {
        sealer
            .seal_json(LOGIN_SEAL_PURPOSE, self, now, rng)
            .map_err(|_| LoginError::Internal(InternalError::Seal))
    }

    /// Opens a pending login from its cookie; `None` means the cookie was absent.
    pub fn open(
        sealer: &Sealer,
        sealed: Option<&str>,
        now: SystemTime,
    ) -> Result<Self, LoginError> {
        let sealed = sealed.ok_or(RequestError::MissingLoginState)?;
        Ok(sealer.open_json(LOGIN_SEAL_PURPOSE, sealed, now)?)
    }

    /// The provider id the login started with.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The `state` value (also usable to name the cookie of this login).
    pub fn state(&self) -> &str {
        self.state.as_str()
    }

    /// The validated return-to path.
    pub fn return_to(&self) -> Option<&str> {
        self.return_to.as_deref()
    }

    /// The login's own DPoP key, when the client makes one per login.
    pub fn dpop_key(&self) -> Option<&crate::dpop::LoginKey> {
        self.dpop_key.as_ref()
    }

    /// A pending login whose state matches no callback.
    pub(crate) fn placeholder(provider: &str) -> Self {
        Self {
            provider: provider.to_owned(),
            state: State::from_string(""),
            nonce: None,
            verifier: None,
            redirect_uri: String::new(),
            return_to: None,
            created_at: 0,
            dpop_key: None,
        }
    }
}

/// Checks a `return_to` target: only a relative path on this site.
///
/// Refuses absolute URLs, scheme-relative `//host`, backslash tricks,
/// control characters and overly long values, so the login can never be
/// turned into an open redirect.
///
/// ```
/// use sesame_core::client::validate_return_to;
/// assert!(validate_return_to("/account?tab=1").is_ok());
/// assert!(validate_return_to("//evil.example").is_err());
/// assert!(validate_return_to("https://evil.example/").is_err());
/// assert!(validate_return_to("/\\evil.example").is_err());
/// ```
pub fn validate_return_to(path: &str) -> Result<String, RequestError> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= MAX_RETURN_TO_LEN
        && !path.chars().any(|c| c.is_control() || c == '\\');
    if ok {
        Ok(path.to_owned())
    } else {
        Err(RequestError::InvalidReturnTo)
    }
}
