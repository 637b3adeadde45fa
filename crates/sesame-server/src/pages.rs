//! The HTML pages: the login form, the consent screen and the error page,
//! escaped, never cached, and (for the forms) never framed.

use serde_json::json;
use sesame_core::protocol::ErrorCode;
use sesame_core::random::{random_b64, Random};
use sesame_core::response::json_response;
use std::time::SystemTime;

use crate::forms::{PendingAuthorization, PendingConsent, AUTHORIZE_PURPOSE, CONSENT_PURPOSE};
use crate::login_page::social_href;
use crate::users::User;
use crate::{AuthServerService, AuthorizationRequest};

pub(crate) fn html_escape(s: &str) -> String {
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

pub(crate) fn response(status: u16, content_type: &str, body: Vec<u8>) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::CACHE_CONTROL, "no-store")
        .header(http::header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if content_type.starts_with("text/html") {
        // Every page: never framed (clickjacking), no referrer (the query
        // of /authorize carries the client's state), scripts from nowhere.
        b = b
            .header(http::header::X_FRAME_OPTIONS, "DENY")
            .header(http::header::CONTENT_SECURITY_POLICY, PAGE_CSP)
            .header(http::header::REFERRER_POLICY, "no-referrer");
    }
    b.body(body)
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

/// The pages' Content-Security-Policy: their own origin only, styles from
/// https too (the app's stylesheet), and no framing. No `form-action`:
/// Chromium and WebKit apply it to the 303 after the POST too, which goes
/// to the client's redirect URI on another origin.
pub(crate) const PAGE_CSP: &str =
    "default-src 'self'; style-src 'self' https:; frame-ancestors 'none'";

impl AuthServerService {
    pub(crate) fn error_page(&self, message: &str) -> http::Response<Vec<u8>> {
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Error</title></head><body><h1>Cannot sign in</h1><p>{}</p></body></html>",
            html_escape(message)
        );
        response(400, "text/html; charset=utf-8", body.into_bytes())
    }

    /// The login form: 200 without a notice, 401 with one.
    pub(crate) fn login_form(
        &self,
        pending: PendingAuthorization,
        error: Option<&str>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        let status = if error.is_some() { 401 } else { 200 };
        self.login_form_with_status(pending, error, status, now, rng)
    }

    /// The login form with a notice and a status of choice.
    pub(crate) fn login_form_with_status(
        &self,
        pending: PendingAuthorization,
        error: Option<&str>,
        status: u16,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        let Ok(sealed) = self.sealer.seal_json(AUTHORIZE_PURPOSE, &pending, now, rng) else {
            return json_response(
                503,
                &json!({"error": ErrorCode::TemporarilyUnavailable.as_str()}),
            );
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
        let mut resp = response(status, "text/html; charset=utf-8", body.into_bytes());
        self.set_csrf_cookie(&mut resp, &pending.csrf);
        resp
    }

    /// The consent screen for third-party clients: what the client asks for,
    /// Allow or Deny. The form carries the request and the signed-in user,
    /// sealed, with a fresh CSRF token.
    pub(crate) fn consent_page(
        &self,
        request: AuthorizationRequest,
        user: User,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        let Ok(csrf) = random_b64(rng, 16) else {
            return json_response(
                503,
                &json!({"error": ErrorCode::TemporarilyUnavailable.as_str()}),
            );
        };
        let pending = PendingConsent {
            request,
            subject: user.subject,
            claims: user.claims,
            csrf,
        };
        let Ok(sealed) = self.sealer.seal_json(CONSENT_PURPOSE, &pending, now, rng) else {
            return json_response(
                503,
                &json!({"error": ErrorCode::TemporarilyUnavailable.as_str()}),
            );
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
}
