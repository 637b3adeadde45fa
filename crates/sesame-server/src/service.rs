//! The authorization server as one request handler, free of any web
//! framework: adapters convert their request into an
//! `http::Request<Vec<u8>>`, call [`AuthServerService::handle`], and send
//! back the `http::Response<Vec<u8>>`.
//!
//! Routes (relative to where it is mounted, normally the issuer's root):
//! `GET /.well-known/openid-configuration`, `GET /.well-known/oauth-authorization-server`,
//! `GET /jwks.json`, `GET /authorize`, `POST /par`, `POST /login`, `POST /consent`, `POST /token`,
//! `POST /revoke`, `POST /introspect`, `GET|POST /userinfo`.
//!
//! The login page is plain HTML with a hook for your stylesheet. Its form
//! carries the authorization request sealed (AES-GCM) together with a CSRF
//! token that must match a `SameSite=Strict` cookie; the password POST is
//! answered with `303 See Other`, never 307/308, so the password is never
//! re-posted anywhere. Each form can be posted once; wrong passwords are
//! throttled per username and per address (`throttle.rs`).
//!
//! # The client's address
//!
//! The per-address counters need the address the request came from: put
//! a [`ClientAddr`](crate::ClientAddr) in the request's extensions before
//! calling [`AuthServerService::handle`] (the TCP peer, or an address your
//! own proxy vouches for — never a header the client sets). Without it
//! only the per-username and per-client counters apply.

use sesame_core::audit::AuditEvent;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::json;
use sesame_core::protocol::ErrorCode;
use sesame_core::random::{random_b64, Random};
use sesame_core::response::{json_response, see_other};

use sesame_core::seal::Sealer;

use crate::forms::{PendingAuthorization, PendingConsent, AUTHORIZE_PURPOSE, CONSENT_PURPOSE};
use crate::login_page::LoginPage;
use crate::store::{Failures, Store, StoreError};
use crate::throttle::{self, counted_address, counted_username, ClientAddr, Counted};
use crate::users::{User, Users};
use crate::{AuthorizationRequest, AuthorizationServer, AuthorizeError};

/// The authorization server's HTTP surface.
pub struct AuthServerService {
    pub(crate) server: Arc<AuthorizationServer>,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) users: Arc<dyn Users>,
    pub(crate) sealer: Sealer,
    pub(crate) page: LoginPage,
    pub(crate) secure_cookies: bool,
}

impl std::fmt::Debug for AuthServerService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServerService")
            .field("issuer", &self.server.config().issuer)
            .finish_non_exhaustive()
    }
}

impl AuthServerService {
    /// A service around `server`, with `store` and the app's `users` check.
    /// `sealer` protects the login form (use a key shared by all instances).
    pub fn new(
        server: Arc<AuthorizationServer>,
        store: Arc<dyn Store>,
        users: Arc<dyn Users>,
        sealer: Sealer,
    ) -> Self {
        Self {
            server,
            store,
            users,
            sealer,
            page: LoginPage::default(),
            secure_cookies: true,
        }
    }

    /// Customizes the login page.
    pub fn login_page(mut self, page: LoginPage) -> Self {
        self.page = page;
        self
    }

    /// Allows non-`Secure` cookies (plain-http development on localhost only).
    pub fn insecure_cookies(mut self) -> Self {
        self.secure_cookies = false;
        self
    }

    /// The server.
    pub fn server(&self) -> &Arc<AuthorizationServer> {
        &self.server
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Handles one request. Its [`ClientAddr`](crate::ClientAddr)
    /// extension, if any, is the address throttling counts it under.
    pub async fn handle(
        &self,
        request: http::Request<Vec<u8>>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        let path = request.uri().path().to_owned();
        let head = request.method() == http::Method::HEAD;
        // HEAD is GET without the body (RFC 9110 §9.3.2).
        let method = if head {
            http::Method::GET
        } else {
            request.method().clone()
        };
        if let Some(allowed) = allowed_methods(&path) {
            if !allowed.contains(&method.as_str()) {
                return method_not_allowed(allowed);
            }
        }
        if matches!(path.as_str(), "/token" | "/par" | "/revoke" | "/introspect")
            && !is_form(&request)
        {
            // RFC 6749 §4.1.3, RFC 9126 §2.1, RFC 7009 §2.1, RFC 7662 §2.1.
            return crate::OAuthError::new(
                ErrorCode::InvalidRequest,
                "the body must be application/x-www-form-urlencoded",
            )
            .to_response();
        }
        if path == "/authorize" && method == http::Method::POST && !is_form(&request) {
            return self.error_page("the authorization request must be a form");
        }
        let mut response = self.route(&method, &path, request, now, rng).await;
        if head {
            response.body_mut().clear();
        }
        response
    }

    async fn route(
        &self,
        method: &http::Method,
        path: &str,
        request: http::Request<Vec<u8>>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        match (method.as_str(), path) {
            (
                "GET",
                "/.well-known/openid-configuration" | "/.well-known/oauth-authorization-server",
            ) => json_response(200, &self.server.metadata()),
            ("GET", "/jwks.json") => json_response(200, &self.server.jwks()),
            ("GET", "/authorize") => {
                self.authorize_route(request.uri().query().unwrap_or(""), now, rng)
                    .await
            }
            // OpenID Connect Core §3.1.2.1: the request may also be posted as a form.
            ("POST", "/authorize") => match std::str::from_utf8(request.body()) {
                Ok(form) => self.authorize_route(form, now, rng).await,
                Err(_) => self.error_page("malformed parameters"),
            },
            ("POST", "/par") => self.push(&request, now, rng).await,
            ("POST", "/login") => self.login(&request, now, rng).await,
            ("POST", "/consent") => self.consent(&request, now, rng).await,
            ("POST", "/token") => {
                self.server
                    .token(&request, self.store.as_ref(), now, rng)
                    .await
            }
            ("POST", "/revoke") => self.revoke(&request, now).await,
            ("POST", "/introspect") => self.introspect(&request, now).await,
            ("GET" | "POST", "/userinfo") => self.userinfo(&request, now).await,
            _ => json_response(404, &json!({"error": "not_found"})),
        }
    }

    /// Issues a code for a user signed in another way (a social login that
    /// ended in the app): the same code, the same app token.
    pub async fn approve_for(
        &self,
        request: &AuthorizationRequest,
        user: User,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        if !request.first_party {
            return self.consent_page(request.clone(), user, now, rng);
        }
        self.issue_code(request, user, now, rng).await
    }

    pub(crate) async fn issue_code(
        &self,
        request: &AuthorizationRequest,
        user: User,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        match self
            .server
            .approve(
                request,
                &user.subject,
                user.claims,
                self.store.as_ref(),
                now,
                rng,
            )
            .await
        {
            Ok(url) => see_other(url.as_str()),
            Err(e) => e.to_response(),
        }
    }

    /// `/authorize`: a pushed request's `request_uri` is redeemed first
    /// (RFC 9126 §4; only the pushed parameters count), then the request
    /// is checked and the login page (or the hinted social login) shown.
    async fn authorize_route(
        &self,
        query: &str,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        let pairs = sesame_core::http_util::parse_params(query.as_bytes(), crate::MAX_PARAMS_LEN);
        match pairs {
            Ok(pairs) if crate::param(&pairs, "request_uri").is_some() => {
                match self.redeem(&pairs, now).await {
                    Ok(pushed) => self.authorize(&pushed, true, now, rng),
                    Err(answer) => answer,
                }
            }
            _ => self.authorize(query, false, now, rng),
        }
    }

    pub(crate) fn authorize(
        &self,
        query: &str,
        pushed: bool,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        match self.server.authorize_request(query, pushed) {
            Err(AuthorizeError::Page(msg)) => self.error_page(msg),
            Err(AuthorizeError::Redirect(url)) => see_other(url.as_str()),
            Ok(request) => match random_b64(rng, 16) {
                Ok(csrf) => {
                    let pending = PendingAuthorization { request, csrf };
                    match self.hinted_button(query) {
                        Some(button) => self.start_social(button, &pending, now, rng),
                        None => self.login_form(pending, None, now, rng),
                    }
                }
                Err(_) => json_response(
                    503,
                    &json!({"error": ErrorCode::TemporarilyUnavailable.as_str()}),
                ),
            },
        }
    }

    /// `POST /login`: the password form. In order: the sealed state and
    /// its CSRF value; the address's failures (counted before anything
    /// else is stored, so that an address that must wait cannot fill the
    /// store); the form's single use; the username's failures; only then
    /// the password. Each counter is counted before the password is
    /// checked, so concurrent guesses cannot slip through together; a
    /// success clears the username's counter and takes back the address's.
    pub(crate) async fn login(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        let (pending, form) = match self.open_form::<PendingAuthorization>(
            request,
            "authorization",
            AUTHORIZE_PURPOSE,
            "sign-in",
            |p| &p.csrf,
            now,
        ) {
            Ok(x) => x,
            Err(resp) => return resp,
        };
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let (Some(username), Some(password)) = (get("username"), get("password")) else {
            return self.login_form_again(
                pending,
                "Enter your username and password.",
                401,
                now,
                rng,
            );
        };
        let config = self.server.config();
        let t = &config.throttle;
        let address = ClientAddr::of(request)
            .filter(|_| !t.login_address.is_off())
            .map(|a| Counted {
                key: t.key(&config.issuer, "login-addr", &counted_address(a)),
                limit: &t.login_address,
            });
        let mut by_address = None;
        if let Some(address) = address {
            match self.admit(address, now).await {
                Ok(Ok(admitted)) => by_address = Some(admitted),
                Ok(Err(wait)) => return self.login_form_throttled(pending, wait, now, rng),
                Err(_) => return unavailable(),
            }
        }

        let form_key = t.key(&config.issuer, "login-form", &pending.csrf);
        let form_until = now + self.sealer.get_max_age() + FORM_CLOCK_SKEW;
        match self.store.put_new(&form_key, form_until, now).await {
            Ok(true) => {}
            Ok(false) => {
                return self.login_form_again(
                    pending,
                    "This sign-in form was already sent. Enter your username and password again.",
                    400,
                    now,
                    rng,
                )
            }
            Err(_) => return unavailable(),
        }

        let mut by_username = None;
        if !t.username.is_off() {
            let user = Counted {
                key: t.key(&config.issuer, "login-user", &counted_username(username)),
                limit: &t.username,
            };
            match self.admit(user, now).await {
                Ok(Ok(admitted)) => by_username = Some(admitted),
                Ok(Err(wait)) => return self.login_form_throttled(pending, wait, now, rng),
                Err(_) => return unavailable(),
            }
        }

        match self.users.validate(username, password).await {
            Some(user) => {
                // The attempt was counted as a failure before the check:
                // clear the username's counter, take it back from the
                // address's. A store failing here only leaves more
                // throttling; issuing the code reports the outage.
                let mut undo = Vec::with_capacity(2);
                if let Some((c, _)) = &by_username {
                    undo.push(self.store.clear_failures(&c.key));
                }
                if let Some((c, _)) = &by_address {
                    undo.push(self.store.forgive_failure(&c.key, now));
                }
                let _ = throttle::all(undo).await;
                crate::audit::emit(
                    AuditEvent::SignInSucceeded,
                    Some(&pending.request.client_id),
                );
                self.approve_for(&pending.request, user, now, rng).await
            }
            None => {
                crate::audit::emit(AuditEvent::SignInFailed, Some(&pending.request.client_id));
                let wait = throttle::longest(
                    [&by_address, &by_username]
                        .into_iter()
                        .flatten()
                        .map(|(c, before)| t.wait_after_failure(c.limit, *before, now)),
                );
                match wait {
                    Some(wait) => self.login_form_throttled(pending, wait, now, rng),
                    None => {
                        self.login_form_again(pending, "Wrong username or password.", 401, now, rng)
                    }
                }
            }
        }
    }

    /// Counts an attempt on `counter` before its credentials are checked:
    /// the counter as it was (the attempt may go ahead), or the wait to
    /// answer. A refused attempt stays counted — knocking while waiting
    /// only makes the wait longer — so the wait answered is the one it
    /// leaves, not the one it met: retrying after it is on time.
    async fn admit<'a>(
        &self,
        counter: Counted<'a>,
        now: SystemTime,
    ) -> Result<Result<(Counted<'a>, Failures), Duration>, StoreError> {
        let t = &self.server.config().throttle;
        let before = self
            .store
            .record_failure(&counter.key, counter.limit.window, now)
            .await?;
        Ok(match t.wait(counter.limit, before, now) {
            Some(met) => Err(t
                .wait_after_failure(counter.limit, before, now)
                .unwrap_or(met)),
            None => Ok((counter, before)),
        })
    }

    /// The login form again with a notice and a fresh CSRF value (the
    /// posted form is used up).
    fn login_form_again(
        &self,
        mut pending: PendingAuthorization,
        notice: &str,
        status: u16,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        match random_b64(rng, 16) {
            Ok(csrf) => {
                pending.csrf = csrf;
                self.login_form_with_status(pending, Some(notice), status, now, rng)
            }
            Err(_) => unavailable(),
        }
    }

    /// `429 Too Many Requests` with `Retry-After` and a fresh form: the
    /// same page whoever the username is and whatever the password was.
    fn login_form_throttled(
        &self,
        pending: PendingAuthorization,
        wait: Duration,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        crate::audit::emit(AuditEvent::Throttled, Some(&pending.request.client_id));
        let secs = throttle::retry_after_secs(wait);
        let unit = if secs == 1 { "second" } else { "seconds" };
        let notice = format!("Too many attempts. Wait {secs} {unit}, then try again.");
        let mut resp = self.login_form_again(pending, &notice, 429, now, rng);
        if resp.status() == 429 {
            throttle::set_retry_after(&mut resp, wait);
        }
        resp
    }

    pub(crate) async fn consent(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        let (pending, form) = match self.open_form::<PendingConsent>(
            request,
            "consent",
            CONSENT_PURPOSE,
            "consent",
            |p| &p.csrf,
            now,
        ) {
            Ok(x) => x,
            Err(resp) => return resp,
        };
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if get("decision") != Some("allow") {
            return match self.server.deny(&pending.request) {
                Some(url) => see_other(url.as_str()),
                None => self.error_page("invalid request"),
            };
        }
        let user = User {
            subject: pending.subject,
            claims: pending.claims,
        };
        self.issue_code(&pending.request, user, now, rng).await
    }
}

/// How far in the future a form's seal may be stamped (another
/// instance's clock) and still open, plus a second of rounding: a used
/// form is remembered this much past its maximum age.
const FORM_CLOCK_SKEW: Duration = Duration::from_secs(61);

/// 503 `temporarily_unavailable` (the store failed).
fn unavailable() -> http::Response<Vec<u8>> {
    json_response(
        503,
        &json!({"error": ErrorCode::TemporarilyUnavailable.as_str()}),
    )
}

/// The methods each route answers (`None`: not a route of this server).
fn allowed_methods(path: &str) -> Option<&'static [&'static str]> {
    Some(match path {
        "/.well-known/openid-configuration"
        | "/.well-known/oauth-authorization-server"
        | "/jwks.json" => &["GET", "HEAD"],
        "/authorize" => &["GET", "HEAD", "POST"],
        "/login" | "/consent" | "/token" | "/par" | "/revoke" | "/introspect" => &["POST"],
        "/userinfo" => &["GET", "HEAD", "POST"],
        _ => return None,
    })
}

/// `405 Method Not Allowed` with `Allow` (RFC 9110 §15.5.6).
fn method_not_allowed(allowed: &[&str]) -> http::Response<Vec<u8>> {
    let mut resp = json_response(405, &json!({"error": "method_not_allowed"}));
    if let Ok(v) = http::HeaderValue::from_str(&allowed.join(", ")) {
        resp.headers_mut().insert(http::header::ALLOW, v);
    }
    resp
}

/// Whether the body is declared as a form (parameters such as `; charset` allowed).
fn is_form(request: &http::Request<Vec<u8>>) -> bool {
    let mut types = request.headers().get_all(http::header::CONTENT_TYPE).iter();
    match (types.next(), types.next()) {
        (Some(v), None) => v
            .to_str()
            .ok()
            .and_then(|t| t.split(';').next())
            .is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            }),
        _ => false,
    }
}
