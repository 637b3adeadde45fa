//! The authorization server as one request handler, free of any web
//! framework: adapters convert their request into an
//! `http::Request<Vec<u8>>`, call [`AuthServerService::handle`], and send
//! back the `http::Response<Vec<u8>>`.
//!
//! Routes (relative to where it is mounted, normally the issuer's root):
//! `GET /.well-known/openid-configuration`, `GET /.well-known/oauth-authorization-server`,
//! `GET /jwks.json`, `GET /authorize`, `POST /login`, `POST /token`,
//! `POST /revoke`, `POST /introspect`, `GET|POST /userinfo`.
//!
//! The login page is plain HTML with a hook for your stylesheet. Its form
//! carries the authorization request sealed (AES-GCM) together with a CSRF
//! token that must match a `SameSite=Strict` cookie; the password POST is
//! answered with `303 See Other`, never 307/308, so the password is never
//! re-posted anywhere.

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{json, Map, Value};

use super::{AuthorizationRequest, AuthorizationServer, AuthorizeError, Store};
use crate::http_util::parse_params;
use crate::jose::Algorithm;
use crate::random::Random;
use crate::seal::Sealer;

const AUTHORIZE_PURPOSE: &str = "sesame/authorize/v1";
const CONSENT_PURPOSE: &str = "sesame/consent/v1";
const CSRF_COOKIE: &str = "sesame-csrf";

/// A user who signed in: the subject and the app's claims for them.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The stable user id (`sub`).
    pub subject: String,
    /// Claims to put in the tokens (`role`, `email`, …). Reserved names are ignored.
    pub claims: Map<String, Value>,
}

/// The app's user check: `validate(username, password)`.
#[async_trait::async_trait]
pub trait Users: Send + Sync {
    /// The user, if the credentials are right.
    async fn validate(&self, username: &str, password: &str) -> Option<User>;
}

/// A fixed list of users (`username`, `password`, claims) — for demos,
/// examples and tests. Passwords are compared in constant time; use a real
/// user store (with password hashing) in production.
#[derive(Clone, Default)]
pub struct StaticUsers {
    users: Vec<(String, crate::Secret, Map<String, Value>)>,
}

impl std::fmt::Debug for StaticUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.users.iter().map(|(u, _, _)| u))
            .finish()
    }
}

impl StaticUsers {
    /// Adds a user; the subject is the username.
    pub fn user(mut self, username: &str, password: &str, claims: Map<String, Value>) -> Self {
        self.users
            .push((username.to_owned(), crate::Secret::new(password), claims));
        self
    }
}

#[async_trait::async_trait]
impl Users for StaticUsers {
    async fn validate(&self, username: &str, password: &str) -> Option<User> {
        let mut found = None;
        for (u, p, c) in &self.users {
            // Check every entry so timing does not reveal which usernames exist.
            let ok =
                crate::b64::constant_time_eq(u.as_bytes(), username.as_bytes()) & p.ct_eq(password);
            if ok {
                found = Some(User {
                    subject: u.clone(),
                    claims: c.clone(),
                });
            }
        }
        found
    }
}

/// A button on the login page that starts a social login.
///
/// A client may skip the page and go straight to the button's provider by
/// adding `idp={id}` to its authorization request (an identity-provider
/// hint, like Keycloak's `kc_idp_hint`); an unknown `idp` shows the page.
#[derive(Debug, Clone)]
pub struct LoginButton {
    /// The hint that selects this button (`idp={id}`), e.g. `github`.
    pub id: String,
    /// The label, e.g. "Continue with GitHub".
    pub label: String,
    /// The app's login route for the upstream provider, e.g. `/auth/github/login`.
    /// The page appends `return_to=/authorize/continue?authorization=…`, so
    /// that [`AuthServerService::finish_social_login`] can resume.
    pub href: String,
}

/// The path social logins return to (`return_to`), carrying the sealed
/// authorization request.
pub const SOCIAL_CONTINUE_PATH: &str = "/authorize/continue";

/// Looks and extras of the login page.
#[derive(Debug, Clone, Default)]
pub struct LoginPage {
    /// A page title (default "Sign in").
    pub title: Option<String>,
    /// A stylesheet URL linked from the page.
    pub stylesheet: Option<String>,
    /// Social-login buttons shown under the form.
    pub buttons: Vec<LoginButton>,
}

/// The authorization server's HTTP surface.
pub struct AuthServerService {
    server: Arc<AuthorizationServer>,
    store: Arc<dyn Store>,
    users: Arc<dyn Users>,
    sealer: Sealer,
    page: LoginPage,
    secure_cookies: bool,
}

impl std::fmt::Debug for AuthServerService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServerService")
            .field("issuer", &self.server.config().issuer)
            .finish_non_exhaustive()
    }
}

fn html_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn response(status: u16, content_type: &str, body: Vec<u8>) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(body)
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

fn json_resp(status: u16, v: &Value) -> http::Response<Vec<u8>> {
    response(
        status,
        "application/json",
        serde_json::to_vec(v).unwrap_or_default(),
    )
}

fn see_other(location: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(303)
        .header(http::header::LOCATION, location)
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(Vec::new())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct PendingConsent {
    request: AuthorizationRequest,
    subject: String,
    claims: Map<String, Value>,
    csrf: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct PendingAuthorization {
    request: AuthorizationRequest,
    csrf: String,
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
        let method = request.method().clone();
        match (method.as_str(), path.as_str()) {
            (
                "GET",
                "/.well-known/openid-configuration" | "/.well-known/oauth-authorization-server",
            ) => json_resp(200, &self.server.metadata()),
            ("GET", "/jwks.json") => json_resp(200, &self.server.jwks()),
            ("GET", "/authorize") => self.authorize(request.uri().query().unwrap_or(""), now, rng),
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
            _ => json_resp(404, &json!({"error": "not_found"})),
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

    async fn issue_code(
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
            Err(_) => json_resp(503, &json!({"error": "temporarily_unavailable"})),
        }
    }

    /// Ends a social login in the app's own authorization code: when the
    /// upstream `login` returns to [`SOCIAL_CONTINUE_PATH`] with a sealed
    /// authorization request, approves it for the user
    /// `{provider}:{id}` with the identity's claims, and answers the redirect
    /// back to the client. `None` when the login was not started from the
    /// login page (handle it as a normal login).
    ///
    /// Password and social logins thus end in the same kind of app token.
    pub async fn finish_social_login(
        &self,
        login: &crate::client::Login,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Option<http::Response<Vec<u8>>> {
        let return_to = login.return_to.as_deref()?;
        let query = return_to
            .strip_prefix(SOCIAL_CONTINUE_PATH)?
            .strip_prefix('?')?;
        let pairs = parse_params(query.as_bytes(), super::MAX_PARAMS_LEN * 2).ok()?;
        let sealed = pairs.into_iter().find(|(k, _)| k == "authorization")?.1;
        let Some(request) = self.open_pending(&sealed, now) else {
            return Some(
                self.error_page("this sign-in has expired; start again from the application"),
            );
        };
        let id = &login.identity;
        let mut claims = Map::new();
        claims.insert("idp".into(), json!(id.provider));
        if let Some(e) = &id.email {
            claims.insert("email".into(), json!(e));
            claims.insert("email_verified".into(), json!(id.email_verified));
        }
        for (k, v) in [
            ("name", &id.name),
            ("picture", &id.picture),
            ("preferred_username", &id.preferred_username),
        ] {
            if let Some(v) = v {
                claims.insert(k.into(), json!(v));
            }
        }
        let user = User {
            subject: format!("{}:{}", id.provider, id.id),
            claims,
        };
        Some(self.approve_for(&request, user, now, rng).await)
    }

    /// Opens the sealed authorization request of a login form (for social
    /// buttons that carry it through an upstream login).
    pub fn open_pending(&self, sealed: &str, now: SystemTime) -> Option<AuthorizationRequest> {
        self.sealer
            .open_json::<PendingAuthorization>(AUTHORIZE_PURPOSE, sealed, now)
            .ok()
            .map(|p| p.request)
    }

    fn authorize(&self, query: &str, now: SystemTime, rng: &dyn Random) -> http::Response<Vec<u8>> {
        match self.server.authorize(query) {
            Err(AuthorizeError::Page(msg)) => self.error_page(msg),
            Err(AuthorizeError::Redirect(url)) => see_other(url.as_str()),
            Ok(request) => match crate::random::random_b64(rng, 16) {
                Ok(csrf) => {
                    let pending = PendingAuthorization { request, csrf };
                    match self.hinted_button(query) {
                        Some(button) => self.start_social(button, &pending, now, rng),
                        None => self.login_form(pending, None, now, rng),
                    }
                }
                Err(_) => json_resp(503, &json!({"error": "temporarily_unavailable"})),
            },
        }
    }

    /// The button an `idp` hint in the authorization request selects.
    fn hinted_button(&self, query: &str) -> Option<&LoginButton> {
        let pairs = parse_params(query.as_bytes(), super::MAX_PARAMS_LEN).ok()?;
        let idp = pairs.into_iter().find(|(k, _)| k == "idp")?.1;
        self.page.buttons.iter().find(|b| b.id == idp)
    }

    /// Skips the login page: straight to the button's social login, which
    /// resumes this authorization request when it ends.
    fn start_social(
        &self,
        button: &LoginButton,
        pending: &PendingAuthorization,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        match self.sealer.seal_json(AUTHORIZE_PURPOSE, pending, now, rng) {
            Ok(sealed) => see_other(&social_href(button, &sealed)),
            Err(_) => json_resp(503, &json!({"error": "temporarily_unavailable"})),
        }
    }

    fn error_page(&self, message: &str) -> http::Response<Vec<u8>> {
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Error</title></head><body><h1>Cannot sign in</h1><p>{}</p></body></html>",
            html_escape(message)
        );
        response(400, "text/html; charset=utf-8", body.into_bytes())
    }

    fn login_form(
        &self,
        pending: PendingAuthorization,
        error: Option<&str>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        let Ok(sealed) = self.sealer.seal_json(AUTHORIZE_PURPOSE, &pending, now, rng) else {
            return json_resp(503, &json!({"error": "temporarily_unavailable"}));
        };
        let title = html_escape(self.page.title.as_deref().unwrap_or("Sign in"));
        let style = self
            .page
            .stylesheet
            .as_deref()
            .map(|s| format!("<link rel=\"stylesheet\" href=\"{}\">", html_escape(s)))
            .unwrap_or_default();
        let error_html = error
            .map(|e| {
                format!(
                    "<p class=\"sesame-error\" role=\"alert\">{}</p>",
                    html_escape(e)
                )
            })
            .unwrap_or_default();
        let buttons: String = self
            .page
            .buttons
            .iter()
            .map(|b| {
                format!(
                    "<a class=\"sesame-social\" href=\"{}\">{}</a>",
                    html_escape(&social_href(b, &sealed)),
                    html_escape(&b.label)
                )
            })
            .collect();
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>{style}</head>\
             <body class=\"sesame-login\"><main><h1>{title}</h1>{error_html}\
             <form method=\"post\" action=\"login\">\
             <input type=\"hidden\" name=\"authorization\" value=\"{sealed}\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <label>Username <input name=\"username\" autocomplete=\"username\" required></label>\
             <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button type=\"submit\">Sign in</button></form>{buttons}</main></body></html>",
            sealed = html_escape(&sealed),
            csrf = html_escape(&pending.csrf),
        );
        let mut resp = response(
            if error.is_some() { 401 } else { 200 },
            "text/html; charset=utf-8",
            body.into_bytes(),
        );
        self.set_csrf_cookie(&mut resp, &pending.csrf);
        resp
    }

    async fn login(
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

    /// The consent screen for third-party clients: what the client asks for,
    /// Allow or Deny. The form carries the request and the signed-in user,
    /// sealed, with a fresh CSRF token.
    fn consent_page(
        &self,
        request: AuthorizationRequest,
        user: User,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        let Ok(csrf) = crate::random::random_b64(rng, 16) else {
            return json_resp(503, &json!({"error": "temporarily_unavailable"}));
        };
        let pending = PendingConsent {
            request,
            subject: user.subject,
            claims: user.claims,
            csrf,
        };
        let Ok(sealed) = self.sealer.seal_json(CONSENT_PURPOSE, &pending, now, rng) else {
            return json_resp(503, &json!({"error": "temporarily_unavailable"}));
        };
        let scopes: String = pending
            .request
            .scopes
            .iter()
            .map(|s| format!("<li>{}</li>", html_escape(s)))
            .collect();
        let style = self
            .page
            .stylesheet
            .as_deref()
            .map(|s| format!("<link rel=\"stylesheet\" href=\"{}\">", html_escape(s)))
            .unwrap_or_default();
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Allow access?</title>{style}</head>\
             <body class=\"sesame-consent\"><main><h1>Allow <b>{client}</b> to access your account?</h1><ul>{scopes}</ul>\
             <form method=\"post\" action=\"consent\"><input type=\"hidden\" name=\"consent\" value=\"{sealed}\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <button name=\"decision\" value=\"allow\">Allow</button> <button name=\"decision\" value=\"deny\">Deny</button></form></main></body></html>",
            client = html_escape(&pending.request.client_id),
            sealed = html_escape(&sealed),
            csrf = html_escape(&pending.csrf),
        );
        let mut resp = response(200, "text/html; charset=utf-8", body.into_bytes());
        self.set_csrf_cookie(&mut resp, &pending.csrf);
        resp
    }

    fn set_csrf_cookie(&self, resp: &mut http::Response<Vec<u8>>, csrf: &str) {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let cookie =
            format!("{CSRF_COOKIE}={csrf}; Path=/; HttpOnly; SameSite=Strict; Max-Age=600{secure}");
        if let Ok(v) = http::HeaderValue::from_str(&cookie) {
            resp.headers_mut().append(http::header::SET_COOKIE, v);
        }
        resp.headers_mut().insert(
            http::header::X_FRAME_OPTIONS,
            http::HeaderValue::from_static("DENY"),
        );
        resp.headers_mut().insert(
            http::header::CONTENT_SECURITY_POLICY,
            http::HeaderValue::from_static(
                "default-src 'self'; style-src 'self' https:; frame-ancestors 'none'",
            ),
        );
    }

    fn csrf_matches(
        request: &http::Request<Vec<u8>>,
        form_value: Option<&str>,
        expected: &str,
    ) -> bool {
        let cookie = crate::login::parse_cookies(crate::login::cookie_headers(request.headers()))
            .into_iter()
            .find(|(n, _)| *n == CSRF_COOKIE)
            .map(|(_, v)| v.to_owned());
        expected.len() == 22
            && form_value
                .is_some_and(|c| crate::b64::constant_time_eq(c.as_bytes(), expected.as_bytes()))
            && cookie
                .as_deref()
                .is_some_and(|c| crate::b64::constant_time_eq(c.as_bytes(), expected.as_bytes()))
    }

    /// Parses a posted form, opens its sealed state and checks its CSRF token
    /// against the cookie; on failure, the error page to answer.
    #[allow(clippy::type_complexity, clippy::result_large_err)] // the error is the answer, moved once
    fn open_form<T: serde::de::DeserializeOwned>(
        &self,
        request: &http::Request<Vec<u8>>,
        field: &str,
        purpose: &str,
        what: &str,
        csrf_of: fn(&T) -> &str,
        now: SystemTime,
    ) -> Result<(T, Vec<(String, String)>), http::Response<Vec<u8>>> {
        let form = parse_params(request.body(), super::MAX_PARAMS_LEN)
            .map_err(|_| self.error_page("malformed form"))?;
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let pending: T = get(field)
            .and_then(|s| self.sealer.open_json(purpose, s, now).ok())
            .ok_or_else(|| {
                self.error_page(&format!(
                    "this {what} form has expired; start again from the application"
                ))
            })?;
        if !Self::csrf_matches(request, get("csrf"), csrf_of(&pending)) {
            return Err(self.error_page(&format!(
                "the {what} form could not be verified (CSRF); start again from the application"
            )));
        }
        Ok((pending, form))
    }

    async fn consent(
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

    fn bearer(request: &http::Request<Vec<u8>>) -> Option<String> {
        let h = request
            .headers()
            .get(http::header::AUTHORIZATION)?
            .to_str()
            .ok()?;
        let t = h
            .strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))?;
        Some(t.trim().to_owned())
    }

    /// Verifies one of this server's access tokens: signature, `typ`, `iss`,
    /// `exp`, and that its family is not revoked.
    async fn verify_access_token(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Option<Map<String, Value>> {
        let keys = self.server.key_set();
        let verified = crate::jose::verify(token, &keys, Algorithm::ASYMMETRIC).ok()?;
        if verified
            .header
            .typ
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
            != Some("at+jwt")
        {
            return None;
        }
        let claims = verified.claims().ok()?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.server.config().issuer.as_str()) {
            return None;
        }
        let exp = claims.get("exp").and_then(Value::as_u64)?;
        if crate::time::unix_seconds(now) >= exp {
            return None;
        }
        if let Some(sid) = claims.get("sid").and_then(Value::as_str) {
            if self.store.is_family_revoked(sid).await.unwrap_or(true) {
                return None;
            }
        }
        Some(claims)
    }

    async fn userinfo(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
    ) -> http::Response<Vec<u8>> {
        let claims = match Self::bearer(request) {
            Some(t) => self.verify_access_token(&t, now).await,
            None => None,
        };
        let Some(claims) = claims else {
            let mut r = json_resp(401, &json!({"error": "invalid_token"}));
            r.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            return r;
        };
        let scopes = claims.get("scope").and_then(Value::as_str).unwrap_or("");
        if !scopes.split(' ').any(|s| s == "openid") {
            let mut r = json_resp(403, &json!({"error": "insufficient_scope"}));
            r.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static(
                    "Bearer error=\"insufficient_scope\", scope=\"openid\"",
                ),
            );
            return r;
        }
        let mut out: Map<String, Value> = claims
            .iter()
            .filter(|(k, _)| !super::RESERVED_CLAIMS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(sub) = claims.get("sub") {
            out.insert("sub".into(), sub.clone());
        }
        json_resp(200, &Value::Object(out))
    }

    async fn client_of(
        &self,
        request: &http::Request<Vec<u8>>,
    ) -> Result<(String, Vec<(String, String)>), http::Response<Vec<u8>>> {
        let form = parse_params(request.body(), super::MAX_PARAMS_LEN)
            .map_err(|_| json_resp(400, &json!({"error": "invalid_request"})))?;
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match self
            .server
            .authenticate(request, get("client_id"), get("client_secret"))
        {
            Ok(c) => Ok((c.id.clone(), form.clone())),
            Err(e) => {
                let mut r = json_resp(e.status, &json!({"error": e.error}));
                if e.basic_challenge {
                    r.headers_mut().insert(
                        http::header::WWW_AUTHENTICATE,
                        http::HeaderValue::from_static("Basic realm=\"token\""),
                    );
                }
                Err(r)
            }
        }
    }

    /// RFC 7009: revokes a refresh token's family, or an access token's.
    async fn revoke(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
    ) -> http::Response<Vec<u8>> {
        let (client_id, form) = match self.client_of(request).await {
            Ok(x) => x,
            Err(r) => return r,
        };
        let Some(token) = form
            .iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.clone())
        else {
            return json_resp(400, &json!({"error": "invalid_request"}));
        };
        let family = match self
            .store
            .find_refresh(&super::sha256_b64(&token), now)
            .await
        {
            Ok(Some(g)) if g.client_id == client_id => Some(g.family),
            _ => match self.verify_access_token(&token, now).await {
                Some(c)
                    if c.get("client_id").and_then(Value::as_str) == Some(client_id.as_str()) =>
                {
                    c.get("sid").and_then(Value::as_str).map(str::to_owned)
                }
                _ => None,
            },
        };
        if let Some(f) = family {
            if self.store.revoke_family(&f).await.is_err() {
                return json_resp(503, &json!({"error": "temporarily_unavailable"}));
            }
        }
        // RFC 7009 §2.2: 200 whether or not the token was known.
        response(200, "application/json", b"{}".to_vec())
    }

    /// RFC 7662: whether a token is active, and its claims.
    async fn introspect(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
    ) -> http::Response<Vec<u8>> {
        let (_, form) = match self.client_of(request).await {
            Ok(x) => x,
            Err(r) => return r,
        };
        let Some(token) = form
            .iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.clone())
        else {
            return json_resp(400, &json!({"error": "invalid_request"}));
        };
        if let Some(mut claims) = self.verify_access_token(&token, now).await {
            claims.insert("active".into(), json!(true));
            claims.insert("token_type".into(), json!("Bearer"));
            return json_resp(200, &Value::Object(claims));
        }
        match self
            .store
            .find_refresh(&super::sha256_b64(&token), now)
            .await
        {
            Ok(Some(g)) => json_resp(
                200,
                &json!({"active": true, "token_type": "refresh_token", "client_id": g.client_id, "sub": g.subject,
                        "scope": g.scopes.join(" "), "exp": crate::time::unix_seconds(g.expires_at)}),
            ),
            _ => json_resp(200, &json!({"active": false})),
        }
    }
}

/// The social-login link of `button`, returning to
/// [`SOCIAL_CONTINUE_PATH`] with the sealed authorization request.
fn social_href(button: &LoginButton, sealed: &str) -> String {
    let sep = if button.href.contains('?') { '&' } else { '?' };
    let resume = format!(
        "{SOCIAL_CONTINUE_PATH}?authorization={}",
        url::form_urlencoded::byte_serialize(sealed.as_bytes()).collect::<String>()
    );
    let return_to: String = url::form_urlencoded::byte_serialize(resume.as_bytes()).collect();
    format!("{}{sep}return_to={return_to}", button.href)
}
