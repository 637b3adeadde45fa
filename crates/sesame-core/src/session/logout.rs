//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): end the
//! local session, send the browser to the provider's `end_session_endpoint`
//! with `id_token_hint`, `post_logout_redirect_uri`, `client_id` and
//! `state`, and check that `state` when the provider sends the browser back.
//! A provider without an end-session endpoint gets a local logout: the
//! browser goes straight to the post-logout URI, with the same state check.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use url::Url;

use super::{Session, SessionError, Sessions};
use crate::random::Random;

/// The cookie carrying a logout's `state` until the browser comes back.
pub const LOGOUT_COOKIE: &str = "sesame-logout";
const LOGOUT_PURPOSE: &str = "sesame-logout";
const LOGOUT_TTL: Duration = Duration::from_secs(600);

#[derive(Serialize, Deserialize)]
struct LogoutState {
    state: String,
}

/// Where the provider's logout is, for one session.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct LogoutTarget<'a> {
    /// The provider's `end_session_endpoint` (discovery); `None` when it has none.
    pub end_session_endpoint: Option<&'a Url>,
    /// The provider's documented logout page, used as is when there is no
    /// end-session endpoint ([`Provider::logout_url`](crate::provider::Provider::logout_url)).
    pub logout_page: Option<&'a Url>,
    /// The client id at the provider.
    pub client_id: &'a str,
    /// Where the provider sends the browser back (registered there).
    pub post_logout_redirect_uri: &'a Url,
}

impl<'a> LogoutTarget<'a> {
    /// A target.
    pub fn new(
        end_session_endpoint: Option<&'a Url>,
        client_id: &'a str,
        post_logout_redirect_uri: &'a Url,
    ) -> Self {
        Self {
            end_session_endpoint,
            logout_page: None,
            client_id,
            post_logout_redirect_uri,
        }
    }
}

impl<'a> LogoutTarget<'a> {
    /// With the provider's documented logout page.
    pub fn with_logout_page(self, page: Option<&'a Url>) -> Self {
        Self {
            logout_page: page,
            ..self
        }
    }
}

/// The answer to a logout request.
#[derive(Debug, Clone)]
pub struct LogoutRedirect {
    /// Where to send the browser (303).
    pub location: Url,
    /// The cookies to set: the session cookie's clearing and the logout state.
    pub set_cookies: Vec<String>,
}

impl LogoutRedirect {
    /// `303 See Other` with the cookies and `Cache-Control: no-store`.
    pub fn to_response(&self) -> http::Response<Vec<u8>> {
        let mut resp = crate::response::see_other(self.location.as_str());
        crate::cookie::append_cookies(resp.headers_mut(), self.set_cookies.iter().cloned());
        resp
    }
}

impl Sessions {
    /// The logout redirect for `session` (already ended by the caller, or
    /// `None` when the request had none): the provider's end-session URL
    /// with `id_token_hint` (the login's ID token, exactly), the
    /// post-logout URI, `client_id` and a fresh `state`; or, without an
    /// endpoint, the post-logout URI itself with the state.
    pub fn logout(
        &self,
        session: Option<&Session>,
        target: LogoutTarget<'_>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<LogoutRedirect, SessionError> {
        if let (None, Some(page)) = (target.end_session_endpoint, target.logout_page) {
            // No OpenID logout: the local session is over; the provider's own
            // page ends the provider's session, and nothing comes back.
            return Ok(LogoutRedirect {
                location: page.clone(),
                set_cookies: vec![self.clear_cookie()],
            });
        }
        let state = crate::random::random_b64(rng, 16)?;
        let mut location = match target.end_session_endpoint {
            Some(endpoint) if session.is_some() => {
                let mut url = endpoint.clone();
                {
                    let mut q = url.query_pairs_mut();
                    if let Some(hint) = session.and_then(|s| s.tokens.id_token.as_ref()) {
                        q.append_pair("id_token_hint", hint.expose());
                    }
                    q.append_pair(
                        "post_logout_redirect_uri",
                        target.post_logout_redirect_uri.as_str(),
                    );
                    q.append_pair("client_id", target.client_id);
                }
                url
            }
            _ => target.post_logout_redirect_uri.clone(),
        };
        location.query_pairs_mut().append_pair("state", &state);
        let sealed = self
            .sealer()
            .seal_json(LOGOUT_PURPOSE, &LogoutState { state }, now, rng)?;
        let path = target.post_logout_redirect_uri.path();
        Ok(LogoutRedirect {
            location,
            set_cookies: vec![
                self.clear_cookie(),
                self.small_cookie(LOGOUT_COOKIE, &sealed, path, LOGOUT_TTL),
            ],
        })
    }

    /// Checks the browser's return from the provider's logout: its `state`
    /// must be the one of the logout cookie. Returns the cookie's clearing
    /// either way (`path` is the post-logout URI's path).
    pub fn logout_return<'a>(
        &self,
        query: Option<&str>,
        cookie_headers: impl IntoIterator<Item = &'a str>,
        path: &str,
        now: SystemTime,
    ) -> (Result<(), SessionError>, String) {
        let clear = self.small_cookie(LOGOUT_COOKIE, "", path, Duration::ZERO);
        let state = query
            .and_then(|q| crate::http_util::parse_params(q.as_bytes(), 4096).ok())
            .and_then(|pairs| {
                let mut states = pairs.into_iter().filter(|(k, _)| k == "state");
                let first = states.next()?;
                states.next().is_none().then_some(first.1)
            });
        let cookies = crate::cookie::parse_cookies(cookie_headers);
        let kept = cookies
            .iter()
            .find(|(n, _)| *n == LOGOUT_COOKIE)
            .and_then(|(_, v)| {
                self.sealer()
                    .open_json::<LogoutState>(LOGOUT_PURPOSE, v, now)
                    .ok()
            });
        let ok = match (state, kept) {
            (Some(s), Some(k)) => crate::constant_time::eq(s.as_bytes(), k.state.as_bytes()),
            _ => false,
        };
        (
            if ok {
                Ok(())
            } else {
                Err(SessionError::LogoutStateMismatch)
            },
            clear,
        )
    }
}
