//! Refreshing a session's access token: when it is due, and how
//! concurrent requests (in one process or on several instances) share a
//! single refresh.
//!
//! The driver runs this loop for a request whose access token is due
//! ([`Sessions::refresh_due`]):
//!
//! 1. one request per session and process goes on; the others wait for it;
//! 2. if the store holds a successor for this session's current tokens
//!    ([`Sessions::successor_key`]), use it: someone else refreshed;
//! 3. otherwise take the cross-instance lock ([`Sessions::refresh_lock_key`],
//!    `put_new`); while another instance holds it, poll for the successor
//!    up to [`SessionConfig::refresh_wait`](super::SessionConfig::refresh_wait);
//! 4. refresh at the provider, [`Sessions::apply_refresh`], store the
//!    successor (sealed) and the session, release the lock.
//!
//! So the provider sees exactly one refresh, and the refresh token it
//! rotated is the one every request goes on with.

use std::time::{Duration, SystemTime};

use super::sessions::SESSION_PURPOSE;
use super::store::{hash_key, StoreWrite};
use super::{Session, SessionError, SessionTokens, Sessions};
use crate::idtoken::IdTokenClaims;
use crate::random::Random;
use crate::time::unix_seconds;
use crate::Tokens;

/// How long a successor stays readable for requests still holding the
/// previous tokens.
pub const SUCCESSOR_TTL: Duration = Duration::from_secs(120);
/// How long the cross-instance refresh lock lives if its holder dies.
pub const REFRESH_LOCK_TTL: Duration = Duration::from_secs(30);

impl Sessions {
    /// Whether the access token expires within the refresh margin.
    pub fn refresh_due(&self, session: &Session, now: SystemTime) -> bool {
        match session.tokens.expires_at {
            Some(exp) => exp <= unix_seconds(now) + self.config().refresh_margin.as_secs(),
            None => false,
        }
    }

    /// Whether the access token has expired already.
    pub fn access_expired(&self, session: &Session, now: SystemTime) -> bool {
        session
            .tokens
            .expires_at
            .is_some_and(|exp| exp <= unix_seconds(now))
    }

    /// The key of the cross-instance refresh lock of this session.
    pub fn refresh_lock_key(&self, session: &Session) -> String {
        format!("sesame:lock:{{{}}}", session.id.fingerprint())
    }

    /// The key under which the successor of this session's current tokens
    /// is stored (the same slot as the session's other keys in a cluster).
    pub fn successor_key(&self, session: &Session) -> String {
        let refresh = session
            .tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose())
            .unwrap_or("");
        format!(
            "sesame:next:{{{}}}:{}",
            session.id.fingerprint(),
            hash_key(&[refresh, session.tokens.access_token.expose()])
        )
    }

    /// The successor's store write (sealed).
    pub fn successor_write(
        &self,
        previous: &Session,
        next: &Session,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<StoreWrite, SessionError> {
        let sealed = self.sealer().seal_json(SESSION_PURPOSE, next, now, rng)?;
        Ok(StoreWrite {
            key: self.successor_key(previous),
            value: sealed.into_bytes(),
            ttl: SUCCESSOR_TTL,
        })
    }

    /// Opens a stored successor of `previous` (the same session, newer tokens).
    pub fn open_successor(
        &self,
        previous: &Session,
        value: &[u8],
        now: SystemTime,
    ) -> Option<Session> {
        let text = std::str::from_utf8(value).ok()?;
        let next: Session = self.sealer().open_json(SESSION_PURPOSE, text, now).ok()?;
        (next.id == previous.id).then_some(next)
    }

    /// The session after a refresh: the new access token, the rotated
    /// refresh token (or the old one when the provider sent none), the new
    /// ID token when one came (else the login's, for `id_token_hint`).
    pub fn apply_refresh(&self, session: &Session, tokens: &Tokens) -> Session {
        let mut next = session.clone();
        let mut fresh = SessionTokens::from_tokens(tokens);
        if fresh.refresh_token.is_none() {
            fresh.refresh_token = session.tokens.refresh_token.clone();
        }
        if fresh.id_token.is_none() {
            fresh.id_token = session.tokens.id_token.clone();
        }
        if fresh.dpop_key.is_none() {
            // The refreshed tokens are bound to the session's key too.
            fresh.dpop_key = session.tokens.dpop_key.clone();
        }
        next.tokens = fresh;
        next
    }

    /// What a new ID token on refresh must match: the login's `iss` and `sub`.
    pub fn previous_claims(&self, session: &Session, now: SystemTime) -> Option<IdTokenClaims> {
        session.issuer.as_ref().map(|iss| IdTokenClaims {
            issuer: iss.clone(),
            subject: session.identity.id.clone(),
            audiences: Vec::new(),
            expires_at: now,
            issued_at: now,
            nonce: None,
            claims: Default::default(),
        })
    }
}
