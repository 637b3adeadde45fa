//! Account linking: one app user with several provider identities.
//!
//! The decision is the application's ([`LinkPolicy`]); the default,
//! [`safe_default`], links a new provider identity to the signed-in user
//! only when that user asked for it explicitly (the login route's
//! `link=true`, which needs a live session and is bound to that login's
//! `state`). It never links because two identities share an email
//! address: an address proves nothing about who controls the other
//! account (a provider that does not verify addresses, or a recycled
//! address, would hand the account to a stranger — next-auth's
//! `allowDangerousEmailAccountLinking` trap), and an unverified address
//! proves even less. An app that looks identities up in its own database
//! answers [`LinkDecision::SignInAs`] for a `(provider, subject)` it
//! already knows.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::{LinkedIdentity, Session, SessionError};
use crate::random::Random;
use crate::Identity;

/// The name of the cookie that carries an explicit link request.
pub const LINK_COOKIE: &str = "sesame-link";
const LINK_PURPOSE: &str = "sesame-link";

/// What the policy is asked about a finished login.
#[derive(Debug)]
#[non_exhaustive]
pub struct LinkRequest<'a> {
    /// The live session the browser already had, if any.
    pub current: Option<&'a Session>,
    /// Who just signed in.
    pub identity: &'a Identity,
    /// Whether the signed-in user explicitly asked to link this login (and
    /// the request is bound to this very login).
    pub explicit: bool,
}

impl<'a> LinkRequest<'a> {
    /// A request about `identity`, with the browser's `current` session.
    pub fn new(current: Option<&'a Session>, identity: &'a Identity, explicit: bool) -> Self {
        Self {
            current,
            identity,
            explicit,
        }
    }
}

/// What to do with a finished login.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkDecision {
    /// A new session for this identity alone (the previous session, if any, ends).
    NewSession,
    /// A new session for the app user `0` (the app recognised this identity).
    SignInAs(String),
    /// Add this identity to the current session's user (needs a current session).
    Link,
    /// Refuse the login (403).
    Refuse,
}

/// The application's linking callback.
pub type LinkPolicy = Arc<dyn Fn(&LinkRequest<'_>) -> LinkDecision + Send + Sync>;

/// The safe default: link only on an explicit request by a signed-in user;
/// otherwise a new session. Never on a matching email.
pub fn safe_default(request: &LinkRequest<'_>) -> LinkDecision {
    if request.explicit && request.current.is_some() {
        LinkDecision::Link
    } else {
        LinkDecision::NewSession
    }
}

/// A link request in flight: the session that asked and the login's state.
#[derive(Serialize, Deserialize)]
struct Intent {
    session: String,
    state: String,
}

pub(super) struct Linking;

impl Linking {
    /// The user and linked identities of a new session.
    pub(super) fn apply(
        decision: LinkDecision,
        current: Option<&Session>,
        identity: &Identity,
    ) -> Result<(Option<String>, Vec<LinkedIdentity>), SessionError> {
        match decision {
            LinkDecision::NewSession => Ok((None, Vec::new())),
            LinkDecision::SignInAs(user) => Ok((Some(user), Vec::new())),
            LinkDecision::Refuse => Err(SessionError::LinkRefused),
            LinkDecision::Link => {
                let current = current.ok_or(SessionError::LinkWithoutSession)?;
                let mut linked = current.linked.clone();
                let own = LinkedIdentity {
                    provider: current.identity.provider.clone(),
                    subject: current.identity.id.clone(),
                };
                linked.push(own);
                linked.retain(|l| !(l.provider == identity.provider && l.subject == identity.id));
                linked.dedup();
                let user = current.user.clone().unwrap_or_else(|| {
                    format!("{}:{}", current.identity.provider, current.identity.id)
                });
                Ok((Some(user), linked))
            }
        }
    }
}

impl super::Sessions {
    /// The `Set-Cookie` value recording that the signed-in `session` asked to
    /// link the login whose `state` is given (ten minutes, on the callback path).
    pub fn link_cookie(
        &self,
        session: &Session,
        state: &str,
        callback_path: &str,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<String, SessionError> {
        let intent = Intent {
            session: session.id.fingerprint(),
            state: state.to_owned(),
        };
        let sealed = self.sealer().seal_json(LINK_PURPOSE, &intent, now, rng)?;
        Ok(self.small_cookie(
            LINK_COOKIE,
            &sealed,
            callback_path,
            Duration::from_secs(600),
        ))
    }

    /// Whether this callback is an explicit link: the link cookie opens,
    /// names the current session, and was made for this `state`.
    pub fn is_explicit_link<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
        current: Option<&Session>,
        state: Option<&str>,
        now: SystemTime,
    ) -> bool {
        let (Some(current), Some(state)) = (current, state) else {
            return false;
        };
        let cookies = crate::cookie::parse_cookies(cookie_headers);
        let Some(value) = cookies
            .iter()
            .find(|(n, _)| *n == LINK_COOKIE)
            .map(|(_, v)| *v)
        else {
            return false;
        };
        let Ok(intent) = self.sealer().open_json::<Intent>(LINK_PURPOSE, value, now) else {
            return false;
        };
        let same_session = crate::constant_time::eq(
            intent.session.as_bytes(),
            current.id.fingerprint().as_bytes(),
        );
        same_session && crate::constant_time::eq(intent.state.as_bytes(), state.as_bytes())
    }

    /// Clears the link cookie (on the callback path).
    pub fn clear_link_cookie(&self, callback_path: &str) -> String {
        self.small_cookie(LINK_COOKIE, "", callback_path, Duration::ZERO)
    }

    pub(super) fn small_cookie(
        &self,
        name: &str,
        value: &str,
        path: &str,
        max_age: Duration,
    ) -> String {
        let mut h = format!(
            "{name}={value}; Path={path}; Max-Age={}; HttpOnly; SameSite=Lax",
            max_age.as_secs()
        );
        if self.config().secure {
            h.push_str("; Secure");
        }
        h
    }
}

/// A policy from a closure.
pub fn policy(f: impl Fn(&LinkRequest<'_>) -> LinkDecision + Send + Sync + 'static) -> LinkPolicy {
    Arc::new(f)
}
