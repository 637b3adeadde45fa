//! The authorization server as one request handler, free of any web
//! framework: adapters convert their request into an
//! `http::Request<Vec<u8>>`, call [`AuthServerService::handle`], and send
//! back the `http::Response<Vec<u8>>`.
//!
//! Routes (relative to where it is mounted, normally the issuer's root):
//! `GET /.well-known/openid-configuration`, `GET /.well-known/oauth-authorization-server`,
//! `GET /jwks.json`, `GET /authorize`, `POST /login`, `POST /consent`, `POST /token`,
//! `POST /revoke`, `POST /introspect`, `GET|POST /userinfo`.
//!
//! The login page is plain HTML with a hook for your stylesheet. Its form
//! carries the authorization request sealed (AES-GCM) together with a CSRF
//! token that must match a `SameSite=Strict` cookie; the password POST is
//! answered with `303 See Other`, never 307/308, so the password is never
//! re-posted anywhere.

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::json;
use sesame_core::protocol::ErrorCode;
use sesame_core::random::{random_b64, Random};
use sesame_core::response::{json_response, see_other};

use sesame_core::seal::Sealer;

use crate::forms::{PendingAuthorization, PendingConsent, AUTHORIZE_PURPOSE, CONSENT_PURPOSE};
use crate::login_page::LoginPage;
use crate::store::Store;
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

    /// Handles one request.
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
        if matches!(path.as_str(), "/token" | "/revoke" | "/introspect") && !is_form(&request) {
            // RFC 6749 §4.1.3, RFC 7009 §2.1, RFC 7662 §2.1.
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
            ("GET", "/authorize") => self.authorize(request.uri().query().unwrap_or(""), now, rng),
            // OpenID Connect Core §3.1.2.1: the request may also be posted as a form.
            ("POST", "/authorize") => match std::str::from_utf8(request.body()) {
                Ok(form) => self.authorize(form, now, rng),
                Err(_) => self.error_page("malformed parameters"),
            },
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

    pub(crate) fn authorize(
        &self,
        query: &str,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        match self.server.authorize(query) {
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
            return self.login_form(pending, Some("Enter your username and password."), now, rng);
        };
        match self.users.validate(username, password).await {
            Some(user) => self.approve_for(&pending.request, user, now, rng).await,
            None => self.login_form(pending, Some("Wrong username or password."), now, rng),
        }
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

/// The methods each route answers (`None`: not a route of this server).
fn allowed_methods(path: &str) -> Option<&'static [&'static str]> {
    Some(match path {
        "/.well-known/openid-configuration"
        | "/.well-known/oauth-authorization-server"
        | "/jwks.json" => &["GET", "HEAD"],
        "/authorize" => &["GET", "HEAD", "POST"],
        "/login" | "/consent" | "/token" | "/revoke" | "/introspect" => &["POST"],
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
