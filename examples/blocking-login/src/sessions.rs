//! Sessions, synchronously: the core's session rules
//! ([`sesame_core::session`]) driven over a [`BlockingStore`] and the
//! provider, on the worker's own thread. The same behaviour as
//! `sesame_reqwest::session::SessionManager`, without an async runtime:
//!
//! * every store call is bounded (the store's own timeouts) and a failing
//!   store answers 503, never a panic;
//! * one refresh per session: a per-session `std::sync::Mutex` in this
//!   process, then the store's lock key (`put_new`) across instances, the
//!   others polling for the successor (see [`sesame_core::session::refresh`]);
//! * a refresh the provider refuses (`invalid_grant`) ends the session;
//! * a back-channel logout token is checked with the provider's keys
//!   (refetched once on an unknown `kid`) and its `jti` stored first-wins.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant, SystemTime};

use ring::rand::SystemRandom;
use sesame_core::client::Login;
use sesame_core::jose::{Header, JoseError};
use sesame_core::login::{LoginService, TransportFailure};
use sesame_core::protocol::Endpoint;
use sesame_core::session::refresh::REFRESH_LOCK_TTL;
use sesame_core::session::{
    backchannel_response, logout_token_from_form, safe_default, LinkRequest, LogoutTarget,
    LogoutTokenError, LogoutTokenValidator, Session, SessionEnd, SessionEnding, SessionError,
    Sessions, StoreWrite, LINK_COOKIE,
};
use sesame_core::{LoginError, ProviderError, RequestError, Secret};
use url::Url;

use crate::provider::{Failure, Upstream};
use crate::store::BlockingStore;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How often a request waiting for another one's refresh looks again.
const POLL: Duration = Duration::from_millis(20);

/// The sessions of the app: rules, store, and the login service and
/// provider connection they refresh and log out through.
pub struct SessionDriver {
    rules: Sessions,
    store: Box<dyn BlockingStore>,
    service: Arc<LoginService>,
    upstream: Arc<Upstream>,
    post_logout: Url,
    refreshing: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    rng: SystemRandom,
}

impl fmt::Debug for SessionDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionDriver")
            .field("rules", &self.rules)
            .field("store", &self.store)
            .field("post_logout", &self.post_logout.as_str())
            .finish_non_exhaustive()
    }
}

impl SessionDriver {
    /// Sessions kept by `rules` in `store`, for the providers of `service`;
    /// the providers send the browser back to `post_logout` after logout.
    pub fn new(
        rules: Sessions,
        store: Box<dyn BlockingStore>,
        service: Arc<LoginService>,
        upstream: Arc<Upstream>,
        post_logout: Url,
    ) -> Self {
        Self {
            rules,
            store,
            service,
            upstream,
            post_logout,
            refreshing: Mutex::new(HashMap::new()),
            rng: SystemRandom::new(),
        }
    }

    /// Loads the request's session (before the handler runs): the live
    /// session, touched (its idle timeout restarts), or why there is none.
    pub fn load(&self, headers: &http::HeaderMap) -> Slot {
        let (current, clear) = self.current(headers);
        let mut slot = Slot {
            current: Ok(None),
            dirty: false,
            clear,
        };
        match current {
            Ok(Some(mut s)) => {
                slot.dirty = self.rules.touch(&mut s, SystemTime::now());
                slot.current = Ok(Some(s));
            }
            other => slot.current = other,
        }
        slot
    }

    /// The live session of a request, if any; the flag says whether a dead
    /// cookie should be cleared.
    fn current(&self, headers: &http::HeaderMap) -> (Result<Option<Session>, SessionError>, bool) {
        let now = SystemTime::now();
        let had_cookie =
            sesame_core::cookie::find(headers, &self.rules.config().cookie_name).is_some();
        let cookies = sesame_core::cookie::cookie_headers(headers);
        let Some(probe) = self.rules.read_cookie(cookies, now) else {
            return (Ok(None), had_cookie);
        };
        match self.store.get_many(probe.keys(), now) {
            Ok(values) => match self.rules.resolve(probe, values, now) {
                Ok(s) => (Ok(Some(s)), false),
                Err(end) => (Err(SessionError::Ended(end)), true),
            },
            Err(e) => {
                eprintln!("session store failed: {e}");
                (Err(SessionError::Store(e)), false)
            }
        }
    }

    /// Makes the session of a finished login (the callback): asks the
    /// linking policy ([`safe_default`]), rotates the id, stores the new
    /// session, ends the browser's previous one. Returns it with the
    /// `Set-Cookie` values.
    pub fn start(
        &self,
        login: &Login,
        headers: &http::HeaderMap,
        state: Option<&str>,
    ) -> Result<(Session, Vec<String>), SessionError> {
        let now = SystemTime::now();
        let current = match self.current(headers).0 {
            Ok(s) => s,
            Err(SessionError::Store(e)) => return Err(SessionError::Store(e)),
            Err(_) => None,
        };
        let explicit = self.rules.is_explicit_link(
            sesame_core::cookie::cookie_headers(headers),
            current.as_ref(),
            state,
            now,
        );
        let decision = safe_default(&LinkRequest::new(
            current.as_ref(),
            &login.identity,
            explicit,
        ));
        let session = self
            .rules
            .begin(login, decision, current.as_ref(), now, &self.rng)?;
        let save = self.rules.save(&session, now, &self.rng)?;
        if let Some(w) = &save.write {
            self.put(w, now)?;
        }
        let mut cookies = vec![save.set_cookie];
        if let Some(old) = &current {
            let ending = self.rules.end(old, now);
            self.apply_ending(&ending, now)?;
        }
        if sesame_core::cookie::find(headers, LINK_COOKIE).is_some() {
            let path = self
                .service
                .client(&session.provider)
                .map(|c| c.config().redirect_uri.path().to_owned())
                .unwrap_or_else(|_| "/".into());
            cookies.push(self.rules.clear_link_cookie(&path));
        }
        Ok((session, cookies))
    }

    fn put(&self, w: &StoreWrite, now: SystemTime) -> Result<(), SessionError> {
        self.store
            .put(&w.key, &w.value, w.ttl, now)
            .map_err(SessionError::Store)
    }

    fn apply_ending(&self, ending: &SessionEnding, now: SystemTime) -> Result<(), SessionError> {
        self.store.put_all(&ending.writes, now)?;
        if let Some(k) = &ending.delete {
            self.store.delete(k)?;
        }
        Ok(())
    }

    /// Ends `session` everywhere (every instance refuses its cookie from
    /// now on); returns the cookie's clearing.
    pub fn end(&self, session: &Session) -> Result<String, SessionError> {
        let now = SystemTime::now();
        let ending = self.rules.end(session, now);
        self.apply_ending(&ending, now)?;
        Ok(ending.clear_cookie)
    }

    /// `session` with an access token that is not about to expire:
    /// refreshed when due, once per session even under concurrent requests
    /// (and across instances sharing the store); the provider's rotated
    /// refresh token is the one kept. A refused refresh ends the session.
    pub fn fresh(&self, session: &Session) -> Result<Session, Failure> {
        let now = SystemTime::now();
        if !self.rules.refresh_due(session, now) {
            return Ok(session.clone());
        }
        if session.tokens.refresh_token.is_none() {
            return if self.rules.access_expired(session, now) {
                Err(SessionError::AccessTokenExpired.into())
            } else {
                Ok(session.clone())
            };
        }
        let key = self.rules.refresh_lock_key(session);
        let local = {
            let mut map = lock(&self.refreshing);
            Arc::clone(map.entry(key.clone()).or_default())
        };
        let result = match self.one_at_a_time(&local) {
            Some(_guard) => self.refresh_once(session, &key),
            None => Err(SessionError::RefreshBusy.into()),
        };
        {
            let mut map = lock(&self.refreshing);
            if map.get(&key).is_some_and(|m| Arc::strong_count(m) <= 2) {
                map.remove(&key);
            }
        }
        result
    }

    /// This process's turn at a session's refresh. Waits (bounded, so a
    /// stuck refresh cannot hold every worker thread) for the request
    /// refreshing it now: the provider call and the cross-instance wait.
    fn one_at_a_time<'a>(&self, local: &'a Mutex<()>) -> Option<MutexGuard<'a, ()>> {
        let deadline = Instant::now() + self.rules.config().refresh_wait * 2;
        loop {
            match local.try_lock() {
                Ok(guard) => return Some(guard),
                Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
                Err(TryLockError::WouldBlock) if Instant::now() >= deadline => return None,
                Err(TryLockError::WouldBlock) => std::thread::sleep(POLL),
            }
        }
    }

    fn successor(&self, session: &Session) -> Result<Option<Session>, SessionError> {
        let key = self.rules.successor_key(session);
        let now = SystemTime::now();
        let values = self.store.get_many(std::slice::from_ref(&key), now)?;
        Ok(values
            .into_iter()
            .next()
            .flatten()
            .and_then(|v| self.rules.open_successor(session, &v, now)))
    }

    fn refresh_once(&self, session: &Session, lock_key: &str) -> Result<Session, Failure> {
        if let Some(next) = self.successor(session)? {
            return Ok(next);
        }
        let deadline = Instant::now() + self.rules.config().refresh_wait;
        loop {
            let won = self
                .store
                .put_new(lock_key, b"1", REFRESH_LOCK_TTL, SystemTime::now())
                .map_err(SessionError::Store)?;
            if won {
                break;
            }
            if Instant::now() >= deadline {
                return Err(SessionError::RefreshBusy.into());
            }
            std::thread::sleep(POLL);
            if let Some(next) = self.successor(session)? {
                return Ok(next);
            }
        }
        // Someone may have finished between our look and our lock.
        let result = match self.successor(session) {
            Ok(Some(next)) => Ok(next),
            Ok(None) => self.refresh_at_provider(session),
            Err(e) => Err(e.into()),
        };
        let _ = self.store.delete(lock_key);
        result
    }

    fn refresh_at_provider(&self, session: &Session) -> Result<Session, Failure> {
        let client = self.service.client(&session.provider)?;
        let refresh_token = session
            .tokens
            .refresh_token
            .clone()
            .ok_or(SessionError::AccessTokenExpired)?;
        let previous = self.rules.previous_claims(session, SystemTime::now());
        match self.upstream.refresh(
            client,
            &refresh_token,
            previous.as_ref(),
            session.tokens.dpop_key.as_ref(),
        ) {
            Ok(tokens) => {
                let now = SystemTime::now();
                let next = self.rules.apply_refresh(session, &tokens);
                let w = self.rules.successor_write(session, &next, now, &self.rng)?;
                self.put(&w, now)?;
                let save = self.rules.save(&next, now, &self.rng)?;
                if let Some(w) = &save.write {
                    self.put(w, now)?;
                }
                Ok(next)
            }
            Err(Failure::Login(LoginError::Request(RequestError::GrantRejected))) => {
                eprintln!("refresh refused by the provider; session ended");
                let _ = self.end(session);
                Err(SessionError::Ended(SessionEnd::RefreshRefused).into())
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /logout`: ends the session here and everywhere, then a 303 to
    /// the provider's `end_session_endpoint` (with `id_token_hint`,
    /// `post_logout_redirect_uri`, `client_id` and `state`), or straight to
    /// the post-logout URI when the provider has none.
    pub fn logout(&self, headers: &http::HeaderMap) -> http::Response<Vec<u8>> {
        self.logout_inner(headers)
            .unwrap_or_else(|e| e.to_response())
    }

    fn logout_inner(&self, headers: &http::HeaderMap) -> Result<http::Response<Vec<u8>>, Failure> {
        let now = SystemTime::now();
        let session = match self.current(headers).0 {
            Ok(s) => s,
            Err(SessionError::Store(e)) => return Err(SessionError::Store(e).into()),
            Err(_) => None,
        };
        let provider = session
            .as_ref()
            .map(|s| s.provider.clone())
            .or_else(|| {
                self.service
                    .clients()
                    .next()
                    .map(|c| c.provider().id.clone())
            })
            .unwrap_or_default();
        if let Some(s) = &session {
            self.end(s)?;
        }
        let client = self.service.client(&provider)?;
        let endpoint = match self.upstream.metadata(client) {
            Ok(meta) => meta.end_session_endpoint.clone(),
            Err(_) => {
                eprintln!("no provider metadata; local logout only");
                None
            }
        };
        let redirect = self.rules.logout(
            session.as_ref(),
            LogoutTarget::new(
                endpoint.as_ref(),
                &client.config().client_id,
                &self.post_logout,
            )
            .with_logout_page(client.provider().logout_url.as_ref()),
            now,
            &self.rng,
        )?;
        Ok(redirect.to_response())
    }

    /// The browser's return from the provider's logout: checks the state.
    /// `Ok` with the logout cookie's clearing, or the refusal (400) with it.
    pub fn logout_return(
        &self,
        query: Option<&str>,
        headers: &http::HeaderMap,
    ) -> (Result<(), SessionError>, String) {
        self.rules.logout_return(
            query,
            sesame_core::cookie::cookie_headers(headers),
            self.post_logout.path(),
            SystemTime::now(),
        )
    }

    /// `POST /backchannel-logout` (form field `logout_token`): validates
    /// the logout token (OpenID Connect Back-Channel Logout 1.0 §2.6, with
    /// the provider's keys and a `jti` replay check) and ends the sessions
    /// of its `sid`, or of its `sub`. 200 `no-store`, or 400 with no
    /// session touched; 503 when the store is down.
    pub fn backchannel_logout(&self, body: &[u8]) -> http::Response<Vec<u8>> {
        match self.backchannel_inner(body) {
            Ok(()) => backchannel_response(&Ok(())),
            Err(Backchannel::Token(e)) => backchannel_response(&Err(e)),
            Err(Backchannel::Other(e)) => e.to_response(),
        }
    }

    fn backchannel_inner(&self, body: &[u8]) -> Result<(), Backchannel> {
        let token = logout_token_from_form(body)?;
        let iss = sesame_core::jose::unverified_claims(&token)
            .ok()
            .and_then(|c| c.get("iss").and_then(|v| v.as_str()).map(String::from))
            .ok_or(LogoutTokenError::MalformedClaims)?;
        let header = Header::peek(&token).map_err(LogoutTokenError::Jose)?;
        let mut found = None;
        for client in self.service.clients() {
            if let Ok(meta) = self.upstream.metadata(client) {
                if meta.issuer.as_deref() == Some(iss.as_str()) {
                    found = Some((client, meta));
                    break;
                }
            }
        }
        let (client, meta) = found.ok_or(LogoutTokenError::UnknownIssuer)?;
        let jwks_uri = meta
            .jwks_uri
            .clone()
            .ok_or(LogoutTokenError::Jose(JoseError::UnknownKey))?;
        let validator = LogoutTokenValidator::new(iss, client.config().client_id.clone());
        let now = SystemTime::now();
        let kid = header.kid.as_deref();
        let keys = self
            .upstream
            .keys(jwks_uri.as_str(), kid, false)
            .map_err(Backchannel::Other)?;
        let valid = match validator.validate(&token, &keys, now) {
            Err(LogoutTokenError::Jose(JoseError::UnknownKey)) => {
                // A key the cache has not seen yet: refetch once.
                let keys = self
                    .upstream
                    .keys(jwks_uri.as_str(), kid, true)
                    .map_err(Backchannel::Other)?;
                validator.validate(&token, &keys, now)
            }
            other => other,
        }?;
        let store_failed = |e| Backchannel::Other(SessionError::Store(e).into());
        let jti = self.rules.jti_write(&valid, &validator, now);
        let first = self
            .store
            .put_new(&jti.key, &jti.value, jti.ttl, now)
            .map_err(store_failed)?;
        if !first {
            return Err(LogoutTokenError::Replayed.into());
        }
        let writes = self.rules.backchannel_writes(&valid, now);
        self.store.put_all(&writes, now).map_err(store_failed)?;
        Ok(())
    }
}

enum Backchannel {
    Token(LogoutTokenError),
    Other(Failure),
}

impl From<LogoutTokenError> for Backchannel {
    fn from(e: LogoutTokenError) -> Self {
        Backchannel::Token(e)
    }
}

/// One request's session: loaded before the handler, saved (or its cookie
/// cleared) after it by [`Slot::finish`].
#[derive(Debug)]
pub struct Slot {
    current: Result<Option<Session>, SessionError>,
    dirty: bool,
    clear: bool,
}

impl Slot {
    /// The live session, or why there is none (401; 503 when the store is down).
    pub fn session(&self) -> Result<&Session, SessionError> {
        match &self.current {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(SessionError::NoSession),
            Err(e) => Err(e.clone()),
        }
    }

    /// Whether the request is signed in; an unknown answer (the store is
    /// down) is an error, not "signed out".
    pub fn signed_in(&self) -> Result<bool, SessionError> {
        match self.session() {
            Ok(_) => Ok(true),
            Err(e) if e.status() == 401 => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// An access token that is not about to expire, refreshed when due
    /// (once per session, see [`SessionDriver::fresh`]).
    pub fn access_token(&mut self, driver: &SessionDriver) -> Result<Secret, Failure> {
        let session = self.session()?.clone();
        match driver.fresh(&session) {
            Ok(next) => {
                let token = next.tokens.access_token.clone();
                if next.tokens != session.tokens {
                    // Keep the last-use mark this request already made.
                    let mut next = next;
                    next.last_active = next.last_active.max(session.last_active);
                    self.current = Ok(Some(next));
                    self.dirty = true;
                }
                Ok(token)
            }
            Err(Failure::Session(e @ SessionError::Ended(_))) => {
                self.current = Err(e.clone());
                self.clear = true;
                self.dirty = false;
                Err(Failure::Session(e))
            }
            Err(e) => Err(e),
        }
    }

    /// The provider's userinfo (OpenID Connect Core §5.3) for this session,
    /// with an access token refreshed when due (and a DPoP proof by the
    /// session's key when its tokens are bound): the JSON, or the
    /// provider's failure (502/504), or 401 when the session ended.
    pub fn userinfo(&mut self, driver: &SessionDriver) -> Result<serde_json::Value, Failure> {
        let token = self.access_token(driver)?;
        let provider = self.session()?.provider.clone();
        let client = driver.service.client(&provider)?;
        let meta = driver.upstream.metadata(client)?;
        let endpoint = meta
            .userinfo_endpoint
            .as_ref()
            .ok_or(Failure::Transport(TransportFailure::Unreachable))?;
        // A DPoP-bound token goes with a proof by the session's key (RFC
        // 9449 §7); a `use_dpop_nonce` refusal is tried once more.
        let session = self.session()?;
        let dpop = client
            .dpop_key_for(session.tokens.dpop_key.as_ref())
            .filter(|_| session.tokens.token_type == sesame_core::dpop::SCHEME);
        let unreachable = || Failure::Transport(TransportFailure::Unreachable);
        let mut nonce: Option<String> = None;
        let response = loop {
            let mut request = http::Request::get(endpoint.as_str())
                .header(http::header::ACCEPT, "application/json")
                .body(Vec::new())
                .map_err(|_| unreachable())?;
            match dpop {
                Some(key) => sesame_core::dpop::authorize_request(
                    &mut request,
                    key,
                    token.expose(),
                    SystemTime::now(),
                    &driver.rng,
                    nonce.as_deref(),
                )
                .map_err(|_| unreachable())?,
                None => {
                    let bearer = format!("Bearer {}", token.expose());
                    let value = http::HeaderValue::try_from(bearer).map_err(|_| unreachable())?;
                    request
                        .headers_mut()
                        .insert(http::header::AUTHORIZATION, value);
                }
            }
            let response = driver.upstream.send(request).map_err(Failure::Transport)?;
            match sesame_core::dpop::nonce_retry(&response) {
                Some(n) if dpop.is_some() && nonce.is_none() => nonce = Some(n.to_owned()),
                _ => break response,
            }
        };
        if !response.status().is_success() {
            return Err(LoginError::Provider(ProviderError::Status {
                endpoint: Endpoint::Userinfo,
                status: response.status().as_u16(),
            })
            .into());
        }
        serde_json::from_slice(response.body()).map_err(|_| {
            LoginError::Provider(ProviderError::MalformedResponse {
                endpoint: Endpoint::Userinfo,
                reason: "not JSON",
            })
            .into()
        })
    }

    /// After the handler: the `Set-Cookie` values the response needs (the
    /// saved session, or the clearing of a dead one). A failed save is
    /// logged; the handler's response stands.
    pub fn finish(self, driver: &SessionDriver) -> Vec<String> {
        match (self.current, self.dirty) {
            (Ok(Some(session)), true) => {
                let now = SystemTime::now();
                match driver.rules.save(&session, now, &driver.rng) {
                    Ok(save) => {
                        let stored = match &save.write {
                            Some(w) => driver.put(w, now).is_ok(),
                            None => true,
                        };
                        if stored {
                            return vec![save.set_cookie];
                        }
                        eprintln!("session not saved: store unavailable");
                    }
                    Err(e) => eprintln!("session not saved: {e}"),
                }
                Vec::new()
            }
            _ if self.clear => vec![driver.rules.clear_cookie()],
            _ => Vec::new(),
        }
    }
}
