//! The session rules: making a session at login, reading it back from a
//! request, keeping it alive, ending it.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::linking::{LinkDecision, Linking};
use super::store::{hash_key, StoreWrite};
use super::{
    Session, SessionConfig, SessionEnd, SessionError, SessionId, SessionStorage, SessionTokens,
};
use crate::client::Login;
use crate::random::Random;
use crate::seal::Sealer;
use crate::time::unix_seconds;

/// The largest `Set-Cookie` value a session may need: browsers keep at
/// least 4096 bytes per cookie (RFC 6265 §6.1), and no more can be relied on.
pub const MAX_COOKIE_LEN: usize = 4096;

pub(super) const SESSION_PURPOSE: &str = "sesame-session";
const REFERENCE_PURPOSE: &str = "sesame-session-ref";

/// What a server-side session's cookie holds: the id and what the
/// revocation check needs, sealed.
#[derive(Clone, Serialize, Deserialize)]
struct Reference {
    id: SessionId,
    iss: String,
    sub: String,
    sid: Option<String>,
}

/// A session cookie that opened, and the store keys to read in one round
/// trip ([`SessionStore::get_many`](super::SessionStore::get_many)) before
/// [`Sessions::resolve`] says whether the session is alive.
pub struct SessionProbe {
    keys: Vec<String>,
    held: Held,
}

enum Held {
    Full(Box<Session>),
    Reference(Reference),
}

impl fmt::Debug for SessionProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionProbe")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl SessionProbe {
    /// The keys to read, in order.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }
}

/// A session to keep: the cookie to set and, for server-side storage, the
/// record to write first.
#[derive(Debug, Clone)]
pub struct SessionSave {
    /// The `Set-Cookie` value.
    pub set_cookie: String,
    /// The record to store (server-side storage only).
    pub write: Option<StoreWrite>,
}

/// A session to end: the markers to write, the record to delete and the
/// cookie to clear.
#[derive(Debug, Clone)]
pub struct SessionEnding {
    /// Revocation markers: the old cookie is dead everywhere, in both modes.
    pub writes: Vec<StoreWrite>,
    /// The server-side record to delete, if any.
    pub delete: Option<String>,
    /// The `Set-Cookie` value clearing the cookie.
    pub clear_cookie: String,
}

/// The session rules, free of I/O: cookies, timeouts, revocation markers,
/// refresh and logout. Drivers (sesame-reqwest, a blocking app) move the
/// store's values in and out.
pub struct Sessions {
    config: SessionConfig,
    sealer: Sealer,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

pub(super) fn record_key(id: &SessionId) -> String {
    format!("sesame:s:{{{}}}", id.fingerprint())
}

pub(super) fn id_marker(id: &SessionId) -> String {
    format!("sesame:rv:id:{}", hash_key(&["id", id.expose()]))
}

pub(super) fn sid_marker(issuer: &str, sid: &str) -> String {
    format!("sesame:rv:sid:{}", hash_key(&["sid", issuer, sid]))
}

pub(super) fn sub_marker(issuer: &str, sub: &str) -> String {
    format!("sesame:rv:sub:{}", hash_key(&["sub", issuer, sub]))
}

impl Sessions {
    /// The rules with this configuration, sealing with `sealer` (its maximum
    /// age is set to the absolute timeout). Use a key of its own or the
    /// login cookies' key: the purposes differ, so neither opens the other.
    pub fn new(config: SessionConfig, sealer: Sealer) -> Self {
        let sealer = sealer.max_age(config.absolute_timeout);
        Self { config, sealer }
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    pub(super) fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// Makes the session of a login: a fresh id (never the one of a session
    /// the browser already had), the identity, the tokens, and the `iss`
    /// and `sid` of its ID token. `decision` comes from the linking policy,
    /// `current` is the session the request already had.
    pub fn begin(
        &self,
        login: &Login,
        decision: LinkDecision,
        current: Option<&Session>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Session, SessionError> {
        let (user, linked) = Linking::apply(decision, current, &login.identity)?;
        let claims = login.tokens.id_token_claims.as_ref();
        let now = unix_seconds(now);
        Ok(Session {
            id: SessionId::generate(rng)?,
            provider: login.identity.provider.clone(),
            identity: login.identity.clone(),
            user,
            linked,
            tokens: SessionTokens::from_tokens(&login.tokens),
            issuer: claims.map(|c| c.issuer.clone()),
            sid: claims
                .and_then(|c| c.claims.get("sid"))
                .and_then(|v| v.as_str())
                .map(String::from),
            created_at: now,
            last_active: now,
        })
    }

    /// Reads the session cookie among a request's `Cookie` headers. `None`
    /// when there is none, or it does not open (tampered, sealed with an
    /// unknown key, older than the absolute timeout).
    pub fn read_cookie<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
        now: SystemTime,
    ) -> Option<SessionProbe> {
        let cookies = crate::cookie::parse_cookies(cookie_headers);
        let value = cookies
            .iter()
            .find(|(n, _)| *n == self.config.cookie_name)
            .map(|(_, v)| *v)?;
        match self.config.storage {
            SessionStorage::Cookie => {
                let s: Session = self.sealer.open_json(SESSION_PURPOSE, value, now).ok()?;
                let keys = markers(&s.id, s.logout_issuer(), &s.identity.id, s.sid.as_deref());
                Some(SessionProbe {
                    keys,
                    held: Held::Full(Box::new(s)),
                })
            }
            _ => {
                let r: Reference = self.sealer.open_json(REFERENCE_PURPOSE, value, now).ok()?;
                let mut keys = vec![record_key(&r.id)];
                keys.extend(markers(&r.id, &r.iss, &r.sub, r.sid.as_deref()));
                Some(SessionProbe {
                    keys,
                    held: Held::Reference(r),
                })
            }
        }
    }

    /// The session a probe found, given the store's values for its keys: the
    /// live session, or why it ended (logged out here or elsewhere, idle,
    /// expired, gone).
    pub fn resolve(
        &self,
        probe: SessionProbe,
        values: Vec<Option<Vec<u8>>>,
        now: SystemTime,
    ) -> Result<Session, SessionEnd> {
        let mut values = values.into_iter();
        let (record, reference) = match probe.held {
            Held::Full(s) => (Ok(*s), None),
            Held::Reference(r) => (Err(values.next().flatten()), Some(r)),
        };
        // The markers first: a logged-out session says so, even once its record is gone.
        let sid_known = match (&record, &reference) {
            (Ok(s), _) => s.sid.is_some(),
            (_, Some(r)) => r.sid.is_some(),
            _ => false,
        };
        if values.next().flatten().is_some() {
            return Err(SessionEnd::LoggedOut);
        }
        if sid_known && values.next().flatten().is_some() {
            return Err(SessionEnd::LoggedOut);
        }
        let sub_marker = values.next().flatten();
        let session = match (record, reference) {
            (Ok(s), _) => s,
            (Err(stored), Some(r)) => {
                let stored = stored.ok_or(SessionEnd::NotFound)?;
                let text = std::str::from_utf8(&stored).map_err(|_| SessionEnd::NotFound)?;
                let s: Session = self
                    .sealer
                    .open_json(SESSION_PURPOSE, text, now)
                    .map_err(|_| SessionEnd::NotFound)?;
                if s.id != r.id {
                    return Err(SessionEnd::NotFound);
                }
                s
            }
            (Err(_), None) => return Err(SessionEnd::NotFound),
        };
        if let Some(at) = sub_marker {
            let at: u64 = std::str::from_utf8(&at)
                .ok()
                .and_then(|t| t.parse().ok())
                .unwrap_or(u64::MAX);
            if session.created_at <= at {
                return Err(SessionEnd::LoggedOut);
            }
        }
        self.check_timeouts(&session, now)?;
        Ok(session)
    }

    /// The idle and absolute timeouts.
    pub fn check_timeouts(&self, session: &Session, now: SystemTime) -> Result<(), SessionEnd> {
        let now = unix_seconds(now);
        if now.saturating_sub(session.created_at) > self.config.absolute_timeout.as_secs() {
            return Err(SessionEnd::Expired);
        }
        if now.saturating_sub(session.last_active) > self.config.idle_timeout.as_secs() {
            return Err(SessionEnd::Idle);
        }
        Ok(())
    }

    /// Marks the session as used now. True when it must be saved again (its
    /// last use is recorded coarsely: every tenth of the idle timeout), so
    /// that a busy session does not write on every request.
    pub fn touch(&self, session: &mut Session, now: SystemTime) -> bool {
        let now = unix_seconds(now);
        let step = (self.config.idle_timeout.as_secs() / 10).max(1);
        if now.saturating_sub(session.last_active) >= step {
            session.last_active = now;
            true
        } else {
            false
        }
    }

    fn remaining(&self, session: &Session, now: SystemTime) -> Duration {
        let age = unix_seconds(now).saturating_sub(session.created_at);
        Duration::from_secs(
            self.config
                .absolute_timeout
                .as_secs()
                .saturating_sub(age)
                .max(1),
        )
    }

    /// What keeping `session` takes: the cookie (checked against
    /// [`MAX_COOKIE_LEN`]) and, with server-side storage, the sealed record.
    pub fn save(
        &self,
        session: &Session,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<SessionSave, SessionError> {
        let remaining = self.remaining(session, now);
        match self.config.storage {
            SessionStorage::Cookie => {
                let sealed = self.sealer.seal_json(SESSION_PURPOSE, session, now, rng)?;
                let set_cookie = self.cookie(&sealed, remaining);
                if set_cookie.len() > MAX_COOKIE_LEN {
                    return Err(SessionError::CookieTooLarge {
                        size: set_cookie.len(),
                    });
                }
                Ok(SessionSave {
                    set_cookie,
                    write: None,
                })
            }
            _ => {
                let record = self.sealer.seal_json(SESSION_PURPOSE, session, now, rng)?;
                let idle = self.config.idle_timeout.min(remaining);
                let reference = Reference {
                    id: session.id.clone(),
                    iss: session.logout_issuer().to_owned(),
                    sub: session.identity.id.clone(),
                    sid: session.sid.clone(),
                };
                let sealed = self
                    .sealer
                    .seal_json(REFERENCE_PURPOSE, &reference, now, rng)?;
                Ok(SessionSave {
                    set_cookie: self.cookie(&sealed, remaining),
                    write: Some(StoreWrite {
                        key: record_key(&session.id),
                        value: record.into_bytes(),
                        ttl: idle,
                    }),
                })
            }
        }
    }

    fn cookie(&self, value: &str, max_age: Duration) -> String {
        let mut h = format!(
            "{}={value}; Path={}; Max-Age={}; HttpOnly; SameSite=Lax",
            self.config.cookie_name,
            self.config.cookie_path,
            max_age.as_secs()
        );
        if self.config.secure {
            h.push_str("; Secure");
        }
        h
    }

    /// The `Set-Cookie` value that clears the session cookie.
    pub fn clear_cookie(&self) -> String {
        self.cookie("", Duration::ZERO)
    }

    /// Ending `session`: a marker under its id (so its cookie is refused by
    /// every instance, in both storage modes, until it would have expired
    /// anyway), the record's deletion, and the cookie's clearing.
    pub fn end(&self, session: &Session, _now: SystemTime) -> SessionEnding {
        SessionEnding {
            writes: vec![StoreWrite {
                key: id_marker(&session.id),
                value: b"1".to_vec(),
                ttl: self.config.absolute_timeout,
            }],
            delete: match self.config.storage {
                SessionStorage::Cookie => None,
                _ => Some(record_key(&session.id)),
            },
            clear_cookie: self.clear_cookie(),
        }
    }
}

/// The revocation markers of one session, in the order `resolve` reads them:
/// its id, its `sid` (when it has one), its subject.
fn markers(id: &SessionId, issuer: &str, sub: &str, sid: Option<&str>) -> Vec<String> {
    let mut keys = vec![id_marker(id)];
    if let Some(sid) = sid {
        keys.push(sid_marker(issuer, sid));
    }
    keys.push(sub_marker(issuer, sub));
    keys
}
