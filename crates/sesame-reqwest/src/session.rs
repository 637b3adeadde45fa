//! Sessions over the network: the core's session rules
//! ([`sesame_core::session`]) with an async [`SessionStore`] and the
//! driver for refreshes and the provider's keys.
//!
//! [`SessionManager`] is what the adapters' session middleware, extractors
//! and logout routes call; [`SessionSlot`] is one request's view of its
//! session (loaded before the handler, saved after it).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sesame_core::audit::{AuditEvent, AUDIT_TARGET};
use sesame_core::client::Login;
use sesame_core::jose::{Header, JoseError, JwkSet};
use sesame_core::login::LoginService;
use sesame_core::session::refresh::REFRESH_LOCK_TTL;
use sesame_core::session::{
    backchannel_response, logout_token_from_form, safe_default, LinkPolicy, LinkRequest,
    LogoutTarget, LogoutTokenError, LogoutTokenValidator, Session, SessionError, SessionStore,
    SessionStoreError, Sessions, StoreWrite, Unauthenticated,
};
use sesame_core::step::KeyRequest;
use sesame_core::{LoginError, RequestError, Secret};
use url::Url;

use crate::{Error, Sesame};

/// The longest one store call may take before it counts as unavailable (503).
pub const STORE_TIMEOUT: Duration = Duration::from_secs(3);

async fn bounded<T>(
    f: impl Future<Output = Result<T, SessionStoreError>>,
) -> Result<T, SessionStoreError> {
    match tokio::time::timeout(STORE_TIMEOUT, f).await {
        Ok(r) => r,
        Err(_) => Err(SessionStoreError::Unavailable),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The sessions of an app: rules, store, and the login service and driver
/// they refresh and log out through. Share it in an `Arc`.
pub struct SessionManager {
    rules: Sessions,
    store: Arc<dyn SessionStore>,
    service: Arc<LoginService>,
    driver: Arc<Sesame>,
    link_policy: LinkPolicy,
    post_logout: Option<Url>,
    refreshing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    rng: sesame_core::random::BufferedRandom,
}

impl fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("rules", &self.rules)
            .field("store", &self.store)
            .field("post_logout", &self.post_logout)
            .finish_non_exhaustive()
    }
}

impl SessionManager {
    /// Sessions kept by `rules` in `store`, for the providers of `service`.
    pub fn new(
        rules: Sessions,
        store: Arc<dyn SessionStore>,
        service: Arc<LoginService>,
        driver: Arc<Sesame>,
    ) -> Self {
        Self {
            rules,
            store,
            service,
            driver,
            link_policy: Arc::new(safe_default),
            post_logout: None,
            refreshing: Mutex::new(HashMap::new()),
            rng: sesame_core::random::BufferedRandom::new(),
        }
    }

    /// Sets the account-linking policy (default [`safe_default`]).
    pub fn link_policy(mut self, policy: LinkPolicy) -> Self {
        self.link_policy = policy;
        self
    }

    /// Sets where providers send the browser back after logout (register it
    /// at the provider). Default: `logout/callback` next to each client's
    /// redirect URI.
    pub fn post_logout_redirect_uri(mut self, uri: Url) -> Self {
        self.post_logout = Some(uri);
        self
    }

    /// The rules.
    pub fn rules(&self) -> &Sessions {
        &self.rules
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.store
    }

    /// The post-logout redirect URI for a provider's client.
    pub fn post_logout_uri(&self, provider: &str) -> Option<Url> {
        if let Some(u) = &self.post_logout {
            return Some(u.clone());
        }
        let client = self.service.client(provider).ok()?;
        client.config().redirect_uri.join("logout/callback").ok()
    }

    /// Loads the request's session (before the handler runs).
    pub async fn load(self: &Arc<Self>, headers: &http::HeaderMap) -> SessionSlot {
        let (current, clear) = self.current(headers).await;
        let mut state = SlotState {
            current: Ok(None),
            dirty: false,
            clear,
            cookies: Vec::new(),
        };
        match current {
            Ok(Some(mut s)) => {
                state.dirty = self.rules.touch(&mut s, SystemTime::now());
                state.current = Ok(Some(s));
            }
            other => state.current = other,
        }
        SessionSlot {
            manager: Arc::clone(self),
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// The live session of a request, if any.
    pub async fn current_session(
        &self,
        headers: &http::HeaderMap,
    ) -> Result<Option<Session>, SessionError> {
        self.current(headers).await.0
    }

    /// Answers a link request (`GET /{provider}/link?return_to=…`): needs a
    /// live session (401 otherwise); starts a login at `provider` whose
    /// callback adds the identity to the signed-in user.
    pub async fn link(
        &self,
        provider: &str,
        query: Option<&str>,
        headers: &http::HeaderMap,
    ) -> http::Response<Vec<u8>> {
        let session = match self.current_session(headers).await {
            Ok(Some(s)) => s,
            Ok(None) | Err(SessionError::Ended(_)) => {
                return SessionError::LinkWithoutSession.to_response()
            }
            Err(e) => return e.to_response(),
        };
        let return_to = query
            .and_then(|q| sesame_core::http_util::parse_params(q.as_bytes(), 4096).ok())
            .and_then(|p| {
                p.into_iter()
                    .find(|(k, _)| k == "return_to")
                    .map(|(_, v)| v)
            });
        let redirect = match self
            .driver
            .start_login(&self.service, provider, return_to.as_deref())
            .await
        {
            Ok(r) => r,
            Err(e) => return e.to_response(),
        };
        // The login's state, also when the request was pushed (PAR).
        let state = redirect.state.clone();
        let path = match self.service.client(provider) {
            Ok(c) => c.config().redirect_uri.path().to_owned(),
            Err(e) => return Error::from(e).to_response(),
        };
        let mut resp = redirect.to_response();
        match self
            .rules
            .link_cookie(&session, &state, &path, SystemTime::now(), &self.rng)
        {
            Ok(c) => sesame_core::cookie::append_cookies(resp.headers_mut(), [c]),
            Err(e) => return e.to_response(),
        }
        resp
    }

    /// The live session of a request, if any; the flag says whether a dead
    /// cookie should be cleared.
    async fn current(
        &self,
        headers: &http::HeaderMap,
    ) -> (Result<Option<Session>, SessionError>, bool) {
        let now = SystemTime::now();
        let cookies = sesame_core::cookie::cookie_headers(headers);
        let had_cookie =
            sesame_core::cookie::find(headers, &self.rules.config().cookie_name).is_some();
        let Some(probe) = self.rules.read_cookie(cookies, now) else {
            return (Ok(None), had_cookie);
        };
        match bounded(self.store.get_many(probe.keys(), now)).await {
            Ok(values) => match self.rules.resolve(probe, values, now) {
                Ok(s) => (Ok(Some(s)), false),
                Err(end) => {
                    tracing::debug!(reason = %end, "session ended");
                    (Err(SessionError::Ended(end)), true)
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "session store failed");
                (Err(SessionError::Store(e)), false)
            }
        }
    }

    /// Makes the session of a finished login (the callback): asks the
    /// linking policy, rotates the id, ends the browser's previous session,
    /// stores the new one. Returns it with the `Set-Cookie` values.
    pub async fn start(
        &self,
        login: &Login,
        headers: &http::HeaderMap,
        state: Option<&str>,
    ) -> Result<(Session, Vec<String>), Error> {
        let now = SystemTime::now();
        let current = match self.current(headers).await.0 {
            Ok(s) => s,
            Err(SessionError::Store(e)) => return Err(SessionError::Store(e).into()),
            Err(_) => None,
        };
        let explicit = self.rules.is_explicit_link(
            sesame_core::cookie::cookie_headers(headers),
            current.as_ref(),
            state,
            now,
        );
        let decision = (self.link_policy)(&LinkRequest::new(
            current.as_ref(),
            &login.identity,
            explicit,
        ));
        let session = self
            .rules
            .begin(login, decision, current.as_ref(), now, &self.rng)?;
        let save = self.rules.save(&session, now, &self.rng)?;
        if let Some(w) = &save.write {
            self.put(w, now).await?;
        }
        let mut cookies = vec![save.set_cookie];
        if let Some(old) = &current {
            let ending = self.rules.end(old, now);
            self.apply_ending(&ending, now).await?;
        }
        if sesame_core::cookie::find(headers, sesame_core::session::LINK_COOKIE).is_some() {
            let path = self
                .service
                .client(&session.provider)
                .map(|c| c.config().redirect_uri.path().to_owned())
                .unwrap_or_else(|_| "/".into());
            cookies.push(self.rules.clear_link_cookie(&path));
        }
        crate::audit::count(AuditEvent::SessionStarted);
        tracing::info!(target: AUDIT_TARGET, event = %AuditEvent::SessionStarted, provider = %session.provider, session = %session.id.fingerprint(), linked = explicit, "session started");
        Ok((session, cookies))
    }

    async fn put(&self, w: &StoreWrite, now: SystemTime) -> Result<(), SessionError> {
        bounded(self.store.put(&w.key, &w.value, w.ttl, now))
            .await
            .map_err(SessionError::Store)
    }

    async fn apply_ending(
        &self,
        ending: &sesame_core::session::SessionEnding,
        now: SystemTime,
    ) -> Result<(), SessionError> {
        bounded(self.store.put_all(&ending.writes, now)).await?;
        if let Some(k) = &ending.delete {
            bounded(self.store.delete(k)).await?;
        }
        Ok(())
    }

    /// Ends `session` everywhere (every instance refuses its cookie from now on).
    pub async fn end(&self, session: &Session) -> Result<String, Error> {
        let now = SystemTime::now();
        let ending = self.rules.end(session, now);
        self.apply_ending(&ending, now).await?;
        crate::audit::count(AuditEvent::Logout);
        tracing::info!(target: AUDIT_TARGET, event = %AuditEvent::Logout, provider = %session.provider, session = %session.id.fingerprint(), "session ended");
        Ok(ending.clear_cookie)
    }

    /// `session` with an access token that is not about to expire: refreshed
    /// when due, once per session even under concurrent requests (and
    /// across instances sharing the store); the provider's rotated refresh
    /// token is the one kept. A refused refresh ends the session.
    pub async fn fresh(&self, session: &Session) -> Result<Session, Error> {
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
        let result = {
            let _one_at_a_time = local.lock().await;
            self.refresh_once(session, &key).await
        };
        {
            let mut map = lock(&self.refreshing);
            if map.get(&key).is_some_and(|m| Arc::strong_count(m) <= 2) {
                map.remove(&key);
            }
        }
        result
    }

    async fn successor(&self, session: &Session) -> Result<Option<Session>, SessionError> {
        let key = self.rules.successor_key(session);
        let now = SystemTime::now();
        let values = bounded(self.store.get_many(std::slice::from_ref(&key), now)).await?;
        Ok(values
            .into_iter()
            .next()
            .flatten()
            .and_then(|v| self.rules.open_successor(session, &v, now)))
    }

    async fn refresh_once(&self, session: &Session, lock_key: &str) -> Result<Session, Error> {
        if let Some(next) = self.successor(session).await? {
            return Ok(next);
        }
        let deadline = tokio::time::Instant::now() + self.rules.config().refresh_wait;
        loop {
            let won =
                bounded(
                    self.store
                        .put_new(lock_key, b"1", REFRESH_LOCK_TTL, SystemTime::now()),
                )
                .await
                .map_err(SessionError::Store)?;
            if won {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(SessionError::RefreshBusy.into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            if let Some(next) = self.successor(session).await? {
                return Ok(next);
            }
        }
        // Someone may have finished between our look and our lock.
        let result = match self.successor(session).await {
            Ok(Some(next)) => Ok(next),
            Ok(None) => self.refresh_at_provider(session).await,
            Err(e) => Err(e.into()),
        };
        let _ = bounded(self.store.delete(lock_key)).await;
        result
    }

    async fn refresh_at_provider(&self, session: &Session) -> Result<Session, Error> {
        let client = self.service.client(&session.provider)?;
        let refresh_token = session
            .tokens
            .refresh_token
            .clone()
            .ok_or(SessionError::AccessTokenExpired)?;
        let now = SystemTime::now();
        let previous = self.rules.previous_claims(session, now);
        match self
            .driver
            .refresh_bound(
                client,
                &refresh_token,
                previous.as_ref(),
                session.tokens.dpop_key.as_ref(),
            )
            .await
        {
            Ok(tokens) => {
                let now = SystemTime::now();
                let next = self.rules.apply_refresh(session, &tokens);
                let w = self.rules.successor_write(session, &next, now, &self.rng)?;
                self.put(&w, now).await?;
                let save = self.rules.save(&next, now, &self.rng)?;
                if let Some(w) = &save.write {
                    self.put(w, now).await?;
                }
                crate::audit::count(AuditEvent::SessionRefreshed);
                tracing::info!(target: AUDIT_TARGET, event = %AuditEvent::SessionRefreshed, provider = %session.provider, session = %session.id.fingerprint(), "session tokens refreshed");
                Ok(next)
            }
            Err(Error::Login(LoginError::Request(RequestError::GrantRejected))) => {
                crate::audit::count(AuditEvent::SessionRefreshRefused);
                tracing::info!(target: AUDIT_TARGET, event = %AuditEvent::SessionRefreshRefused, provider = %session.provider, session = %session.id.fingerprint(), "refresh refused; session ended");
                let _ = self.end(session).await;
                Err(SessionError::Ended(sesame_core::session::SessionEnd::RefreshRefused).into())
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /logout`: ends the session here and everywhere, then a 303 to
    /// the provider's `end_session_endpoint` (with `id_token_hint`,
    /// `post_logout_redirect_uri`, `client_id` and `state`), or straight to
    /// the post-logout URI when the provider has none.
    pub async fn logout(&self, headers: &http::HeaderMap) -> http::Response<Vec<u8>> {
        match self.logout_inner(headers).await {
            Ok(r) => r,
            Err(e) => e.to_response(),
        }
    }

    async fn logout_inner(
        &self,
        headers: &http::HeaderMap,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let now = SystemTime::now();
        let session = match self.current(headers).await.0 {
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
            self.end(s).await?;
        }
        let client = self.service.client(&provider)?;
        let endpoint = match self.driver.metadata(client).await {
            Ok(meta) => meta.end_session_endpoint.clone(),
            Err(e) => {
                tracing::warn!(provider = %provider, error = %e, "no provider metadata; local logout only");
                None
            }
        };
        let post = self.post_logout_uri(&provider).ok_or(LoginError::Config(
            sesame_core::ConfigError::InvalidUrl("post logout redirect uri"),
        ))?;
        let redirect = self.rules.logout(
            session.as_ref(),
            LogoutTarget::new(endpoint.as_ref(), &client.config().client_id, &post)
                .with_logout_page(client.provider().logout_url.as_ref()),
            now,
            &self.rng,
        )?;
        Ok(redirect.to_response())
    }

    /// The browser's return from the provider's logout: checks the state.
    /// `Ok` with the cookie clearing, or the refusal (400) with it.
    pub fn logout_return(
        &self,
        query: Option<&str>,
        headers: &http::HeaderMap,
    ) -> (Result<(), SessionError>, String) {
        let path = self
            .service
            .clients()
            .next()
            .and_then(|c| self.post_logout_uri(&c.provider().id))
            .map(|u| u.path().to_owned())
            .unwrap_or_else(|| "/".into());
        self.rules.logout_return(
            query,
            sesame_core::cookie::cookie_headers(headers),
            &path,
            SystemTime::now(),
        )
    }

    /// `POST /backchannel-logout` (form field `logout_token`): validates the
    /// logout token (OpenID Connect Back-Channel Logout 1.0 §2.6, with the
    /// provider's keys and a `jti` replay check) and ends the sessions of
    /// its `sid`, or of its `sub`. 200 `no-store`, or 400 with no session
    /// touched; 503 when the store is down.
    pub async fn backchannel_logout(&self, body: &[u8]) -> http::Response<Vec<u8>> {
        match self.backchannel_inner(body).await {
            Ok(()) => backchannel_response(&Ok(())),
            Err(Backchannel::Token(e)) => {
                crate::audit::count(AuditEvent::BackchannelLogoutRefused);
                tracing::info!(target: AUDIT_TARGET, event = %AuditEvent::BackchannelLogoutRefused, error = %e, "back-channel logout refused");
                backchannel_response(&Err(e))
            }
            Err(Backchannel::Other(e)) => e.to_response(),
        }
    }

    async fn backchannel_inner(&self, body: &[u8]) -> Result<(), Backchannel> {
        let token = logout_token_from_form(body)?;
        let iss = sesame_core::jose::unverified_claims(&token)
            .ok()
            .and_then(|c| c.get("iss").and_then(|v| v.as_str()).map(String::from))
            .ok_or(LogoutTokenError::MalformedClaims)?;
        let header = Header::peek(&token).map_err(LogoutTokenError::Jose)?;
        let mut found = None;
        for client in self.service.clients() {
            if let Ok(meta) = self.driver.metadata(client).await {
                if meta.issuer.as_deref() == Some(iss.as_str()) {
                    found = Some((client.clone(), meta));
                    break;
                }
            }
        }
        let (client, meta) = found.ok_or(LogoutTokenError::UnknownIssuer)?;
        let jwks_uri = meta
            .jwks_uri
            .clone()
            .ok_or(LogoutTokenError::Jose(JoseError::UnknownKey))?;
        let validator = LogoutTokenValidator::new(iss.clone(), client.config().client_id.clone());
        let now = SystemTime::now();
        let keys = self.keys(&jwks_uri, header.kid.clone(), false).await?;
        let valid = match validator.validate(&token, &keys, now) {
            Err(LogoutTokenError::Jose(JoseError::UnknownKey)) => {
                let keys = self.keys(&jwks_uri, header.kid.clone(), true).await?;
                validator.validate(&token, &keys, now)
            }
            other => other,
        }?;
        let jti = self.rules.jti_write(&valid, &validator, now);
        let first = bounded(self.store.put_new(&jti.key, &jti.value, jti.ttl, now))
            .await
            .map_err(|e| Backchannel::Other(SessionError::Store(e).into()))?;
        if !first {
            return Err(LogoutTokenError::Replayed.into());
        }
        let writes = self.rules.backchannel_writes(&valid, now);
        bounded(self.store.put_all(&writes, now))
            .await
            .map_err(|e| Backchannel::Other(SessionError::Store(e).into()))?;
        crate::audit::count(AuditEvent::BackchannelLogout);
        tracing::info!(target: AUDIT_TARGET, event = %AuditEvent::BackchannelLogout, provider = %client.provider().id, by_sid = valid.session_id.is_some(), "back-channel logout");
        Ok(())
    }

    async fn keys(
        &self,
        jwks_uri: &Url,
        kid: Option<String>,
        refresh: bool,
    ) -> Result<Arc<JwkSet>, Backchannel> {
        let request = KeyRequest {
            jwks_uri: jwks_uri.clone(),
            kid,
            refresh,
        };
        self.driver.keys(&request).await.map_err(Backchannel::Other)
    }

    /// What a request without a session gets: 401 JSON, or a 303 to the
    /// login route with `return_to` (see [`Unauthenticated`]).
    pub fn unauthenticated(
        &self,
        error: &SessionError,
        path_and_query: &str,
    ) -> http::Response<Vec<u8>> {
        match (&self.rules.config().unauthenticated, error.status()) {
            (Unauthenticated::RedirectToLogin(login), 401) => {
                let mut target = login.clone();
                target.push(if target.contains('?') { '&' } else { '?' });
                target.push_str("return_to=");
                target.extend(url::form_urlencoded::byte_serialize(
                    path_and_query.as_bytes(),
                ));
                sesame_core::response::see_other(&target)
            }
            _ => error.to_response(),
        }
    }
}

enum Backchannel {
    Token(LogoutTokenError),
    Other(Error),
}

impl From<LogoutTokenError> for Backchannel {
    fn from(e: LogoutTokenError) -> Self {
        Backchannel::Token(e)
    }
}

/// A live session as a handler gets it (the adapters' `Session` extractor
/// derefs to it): who signed in, and an access token refreshed when due.
#[derive(Debug, Clone)]
pub struct LiveSession {
    /// The session as loaded for this request.
    pub data: Session,
    slot: SessionSlot,
}

impl LiveSession {
    /// Who signed in.
    pub fn identity(&self) -> &sesame_core::Identity {
        &self.data.identity
    }

    /// An access token that does not expire within the refresh margin:
    /// refreshed at the provider when due, once per session even under
    /// concurrent requests. A refused refresh ends the session.
    pub async fn access_token(&self) -> Result<Secret, Error> {
        self.slot.access_token().await
    }

    /// Ends the session (this response clears the cookie; every instance
    /// refuses it from now on). For a logout at the provider too, send the
    /// browser to the logout route.
    pub async fn end(&self) -> Result<(), Error> {
        self.slot.end().await
    }

    /// The request's slot (to set the app's user id, call userinfo, …).
    pub fn slot(&self) -> &SessionSlot {
        &self.slot
    }
}

/// Why a handler that requires a session did not get one, with the answer.
#[derive(Debug)]
pub struct SessionRefusal {
    /// Why.
    pub error: SessionError,
    /// The answer (401 JSON, 303 to the login route, or 503).
    pub response: Box<http::Response<Vec<u8>>>,
}

impl SessionRefusal {
    /// A copy of the answer.
    pub fn to_response(&self) -> http::Response<Vec<u8>> {
        let mut r = http::Response::new(self.response.body().clone());
        *r.status_mut() = self.response.status();
        *r.headers_mut() = self.response.headers().clone();
        r
    }
}

impl fmt::Display for SessionRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for SessionRefusal {}

/// The refusal when the session middleware is missing from a route: a
/// configuration error, answered 500.
pub fn missing_layer() -> SessionRefusal {
    SessionRefusal {
        error: SessionError::Internal,
        response: Box::new(sesame_core::response::json_response(
            500,
            &serde_json::json!({"error": "configuration_error", "error_description": "session layer missing on this route"}),
        )),
    }
}

struct SlotState {
    current: Result<Option<Session>, SessionError>,
    dirty: bool,
    clear: bool,
    cookies: Vec<String>,
}

/// One request's session: loaded by the adapter's middleware before the
/// handler, read by the extractors, saved (or cleared) after the handler.
/// Cheap to clone.
#[derive(Clone)]
pub struct SessionSlot {
    manager: Arc<SessionManager>,
    state: Arc<Mutex<SlotState>>,
}

impl fmt::Debug for SessionSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = lock(&self.state);
        f.debug_struct("SessionSlot")
            .field("signed_in", &matches!(s.current, Ok(Some(_))))
            .finish_non_exhaustive()
    }
}

impl SessionSlot {
    /// The manager.
    pub fn manager(&self) -> &Arc<SessionManager> {
        &self.manager
    }

    /// The live session, or why there is none (401; 503 when the store is down).
    pub fn session(&self) -> Result<Session, SessionError> {
        match &lock(&self.state).current {
            Ok(Some(s)) => Ok(s.clone()),
            Ok(None) => Err(SessionError::NoSession),
            Err(e) => Err(e.clone()),
        }
    }

    /// The live session for a handler that requires one, or the refusal to
    /// answer with: 401 JSON or a 303 to the login route (per the
    /// configuration; `path_and_query` becomes `return_to`), 503 when the
    /// store is down.
    pub fn require(&self, path_and_query: &str) -> Result<Session, SessionRefusal> {
        self.session().map_err(|error| SessionRefusal {
            response: Box::new(self.manager.unauthenticated(&error, path_and_query)),
            error,
        })
    }

    /// [`require`](Self::require), as the handle an extractor gives handlers.
    pub fn live(&self, path_and_query: &str) -> Result<LiveSession, SessionRefusal> {
        Ok(LiveSession {
            data: self.require(path_and_query)?,
            slot: self.clone(),
        })
    }

    /// An access token that is not about to expire, refreshed when due
    /// (once per session, see [`SessionManager::fresh`]).
    pub async fn access_token(&self) -> Result<Secret, Error> {
        let session = self.session()?;
        match self.manager.fresh(&session).await {
            Ok(next) => {
                let token = next.tokens.access_token.clone();
                if next.tokens != session.tokens {
                    let mut s = lock(&self.state);
                    s.current = Ok(Some(next));
                    s.dirty = true;
                }
                Ok(token)
            }
            Err(Error::Session(e @ SessionError::Ended(_))) => {
                let mut s = lock(&self.state);
                s.current = Err(e.clone());
                s.clear = true;
                Err(Error::Session(e))
            }
            Err(e) => Err(e),
        }
    }

    /// The key that proves possession of the session's DPoP-bound tokens —
    /// the login's own ([`sesame_core::client::ClientConfig::dpop_per_login`])
    /// or the client's one key — for the app's own API calls with
    /// [`sesame_core::dpop::authorize_request`]; `None` for bearer tokens.
    pub fn dpop_key(&self) -> Result<Option<Arc<sesame_core::dpop::ProofKey>>, Error> {
        let session = self.session()?;
        if session.tokens.token_type != sesame_core::dpop::SCHEME {
            return Ok(None);
        }
        let client = self.manager.service.client(&session.provider)?;
        Ok(client
            .dpop_key_for(session.tokens.dpop_key.as_ref())
            .cloned())
    }

    /// The provider's userinfo (OpenID Connect Core §5.3) for this session,
    /// with an access token refreshed when due: the JSON object, or the
    /// provider's failure (502/504), or 401 when the session ended. With a
    /// client using DPoP ([`sesame_core::client::ClientConfig::dpop`], or a
    /// key per login), the DPoP-bound token goes as `Authorization: DPoP …`
    /// with a proof by the session's key, and a
    /// `use_dpop_nonce` refusal is tried once more with the server's nonce.
    pub async fn userinfo(&self) -> Result<serde_json::Value, Error> {
        let token = self.access_token().await?;
        let session = self.session()?;
        let client = self.manager.service.client(&session.provider)?;
        let meta = self.manager.driver.metadata(client).await?;
        let endpoint = meta.userinfo_endpoint.clone().ok_or(Error::Unavailable(
            sesame_core::protocol::Endpoint::Userinfo,
        ))?;
        let unavailable = || Error::Unavailable(sesame_core::protocol::Endpoint::Userinfo);
        // A DPoP-bound token goes with a proof (RFC 9449 §7), and a
        // `use_dpop_nonce` refusal is tried once more with the nonce.
        let dpop = client
            .dpop_key_for(session.tokens.dpop_key.as_ref())
            .filter(|_| session.tokens.token_type == sesame_core::dpop::SCHEME);
        let mut nonce: Option<String> = None;
        let mut attempts = 0;
        let response = loop {
            attempts += 1;
            let mut request = http::Request::get(endpoint.as_str())
                .header(http::header::ACCEPT, "application/json")
                .body(Vec::new())
                .map_err(|_| unavailable())?;
            match dpop {
                Some(key) => sesame_core::dpop::authorize_request(
                    &mut request,
                    key,
                    token.expose(),
                    SystemTime::now(),
                    &self.manager.rng,
                    nonce.as_deref(),
                )
                .map_err(|_| unavailable())?,
                None => {
                    let mut v = http::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                        .map_err(|_| unavailable())?;
                    v.set_sensitive(true);
                    request.headers_mut().insert(http::header::AUTHORIZATION, v);
                }
            }
            let out = sesame_core::step::Outgoing::new(
                sesame_core::protocol::Endpoint::Userinfo,
                request,
            );
            let response = self.manager.driver.send(out).await?;
            match sesame_core::dpop::nonce_retry(&response) {
                Some(n) if dpop.is_some() && attempts == 1 => nonce = Some(n.to_owned()),
                _ => break response,
            }
        };
        if !response.status().is_success() {
            return Err(LoginError::Provider(sesame_core::ProviderError::Status {
                endpoint: sesame_core::protocol::Endpoint::Userinfo,
                status: response.status().as_u16(),
            })
            .into());
        }
        serde_json::from_slice(response.body()).map_err(|_| {
            LoginError::Provider(sesame_core::ProviderError::MalformedResponse {
                endpoint: sesame_core::protocol::Endpoint::Userinfo,
                reason: "not JSON",
            })
            .into()
        })
    }

    /// Ends the session now (logout without the provider): its cookie is
    /// cleared by this response and refused everywhere.
    pub async fn end(&self) -> Result<(), Error> {
        let session = self.session()?;
        self.manager.end(&session).await?;
        let mut s = lock(&self.state);
        s.current = Ok(None);
        s.clear = true;
        s.dirty = false;
        Ok(())
    }

    /// Sets the app's user id on the session (saved with the response).
    pub fn set_user(&self, user: impl Into<String>) -> Result<(), SessionError> {
        let mut s = lock(&self.state);
        match &mut s.current {
            Ok(Some(session)) => {
                session.user = Some(user.into());
                s.dirty = true;
                Ok(())
            }
            _ => Err(SessionError::NoSession),
        }
    }

    /// Adds a `Set-Cookie` value to the response (used by the callback).
    pub fn add_cookie(&self, cookie: String) {
        lock(&self.state).cookies.push(cookie);
    }

    /// After the handler: adds to the response's headers the `Set-Cookie`
    /// values it needs — unless the handler's response already sets the
    /// session cookie itself (the callback's new session, the logout's
    /// clearing), which then wins and nothing of this request's slot is saved.
    pub async fn finish_into(&self, headers: &mut http::HeaderMap) {
        let prefix = format!("{}=", self.manager.rules.config().cookie_name);
        let handled = headers
            .get_all(http::header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&prefix)));
        if handled {
            let extra = std::mem::take(&mut lock(&self.state).cookies);
            sesame_core::cookie::append_cookies(headers, extra);
            return;
        }
        let cookies = self.finish().await;
        sesame_core::cookie::append_cookies(headers, cookies);
    }

    /// After the handler: the `Set-Cookie` values the response needs (the
    /// saved session, or the clearing of a dead or ended one). Saving
    /// failures are logged; the handler's response stands.
    pub async fn finish(&self) -> Vec<String> {
        let (save, clear, mut cookies) = {
            let mut s = lock(&self.state);
            let save = match (&s.current, s.dirty) {
                (Ok(Some(session)), true) => Some(session.clone()),
                _ => None,
            };
            (save, s.clear, std::mem::take(&mut s.cookies))
        };
        if let Some(session) = save {
            let now = SystemTime::now();
            match self.manager.rules.save(&session, now, &self.manager.rng) {
                Ok(save) => {
                    let stored = match &save.write {
                        Some(w) => self.manager.put(w, now).await.is_ok(),
                        None => true,
                    };
                    if stored {
                        cookies.push(save.set_cookie);
                    } else {
                        tracing::warn!("session not saved: store unavailable");
                    }
                }
                Err(e) => tracing::error!(error = %e, "session not saved"),
            }
        } else if clear {
            cookies.push(self.manager.rules.clear_cookie());
        }
        cookies
    }
}
