//! How sessions are kept: where, for how long, and what a request without one gets.

use std::time::Duration;

/// Where a session's tokens live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SessionStorage {
    /// The whole session, sealed (AES-256-GCM), in the cookie. Nothing is
    /// stored per session, but the cookie must stay under the browser's
    /// 4096-byte limit: providers with large ID tokens do not fit
    /// ([`SessionError::CookieTooLarge`](super::SessionError::CookieTooLarge)).
    /// The store still holds the revocation markers, so an ended session's
    /// old cookie is dead everywhere.
    Cookie,
    /// The session, sealed, in the [`SessionStore`](super::SessionStore);
    /// the cookie holds only a sealed reference to it. The default.
    #[default]
    Server,
}

/// What a request that needs a session gets when it has none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Unauthenticated {
    /// `401` with `{"error": "unauthenticated", ...}` JSON: for APIs. The default.
    #[default]
    Json,
    /// `303` to this login route, with the requested path as `return_to`: for pages.
    RedirectToLogin(String),
}

/// The session settings. `Default` gives safe values: server-side storage,
/// 30 minutes idle, 12 hours absolute, refresh 60 seconds before expiry,
/// `Secure` cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The cookie's name (default `sesame-session`).
    pub cookie_name: String,
    /// The cookie's `Path` (default `/`).
    pub cookie_path: String,
    /// Send the `Secure` attribute (default true; turn off only for
    /// `http://localhost` development).
    pub secure: bool,
    /// Where the tokens live.
    pub storage: SessionStorage,
    /// A session unused for this long ends (OWASP's idle timeout).
    pub idle_timeout: Duration,
    /// A session ends this long after the login, however active (the absolute timeout).
    pub absolute_timeout: Duration,
    /// An access token is refreshed when it expires within this margin.
    pub refresh_margin: Duration,
    /// How long a request waits for a refresh another request (or
    /// instance) is running for the same session before answering 503.
    pub refresh_wait: Duration,
    /// What a request without a session gets.
    pub unauthenticated: Unauthenticated,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            cookie_name: "sesame-session".into(),
            cookie_path: "/".into(),
            secure: true,
            storage: SessionStorage::Server,
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            refresh_margin: Duration::from_secs(60),
            refresh_wait: Duration::from_secs(10),
            unauthenticated: Unauthenticated::Json,
        }
    }
}

impl SessionConfig {
    /// Sets where the tokens live.
    pub fn storage(mut self, storage: SessionStorage) -> Self {
        self.storage = storage;
        self
    }

    /// Sets the idle and absolute timeouts.
    pub fn timeouts(mut self, idle: Duration, absolute: Duration) -> Self {
        self.idle_timeout = idle;
        self.absolute_timeout = absolute;
        self
    }

    /// Sets how long before expiry an access token is refreshed.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Allows non-`Secure` cookies (plain-http development on localhost only).
    pub fn insecure_cookies(mut self) -> Self {
        self.secure = false;
        self
    }

    /// Redirects requests without a session to `login_route` instead of answering 401.
    pub fn redirect_to_login(mut self, login_route: impl Into<String>) -> Self {
        self.unauthenticated = Unauthenticated::RedirectToLogin(login_route.into());
        self
    }
}
