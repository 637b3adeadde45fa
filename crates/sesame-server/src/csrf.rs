//! CSRF protection of the login and consent forms: a random value both in
//! the sealed form state and in a `SameSite=Strict` cookie, compared in
//! constant time when the form comes back.

use std::time::SystemTime;

use sesame_core::http_util::parse_params;

use crate::AuthServerService;

pub(crate) const CSRF_COOKIE: &str = "sesame-csrf";

impl AuthServerService {
    pub(crate) fn set_csrf_cookie(&self, resp: &mut http::Response<Vec<u8>>, csrf: &str) {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let cookie =
            format!("{CSRF_COOKIE}={csrf}; Path=/; HttpOnly; SameSite=Strict; Max-Age=600{secure}");
        if let Ok(v) = http::HeaderValue::from_str(&cookie) {
            resp.headers_mut().append(http::header::SET_COOKIE, v);
        }
    }

    pub(crate) fn csrf_matches(
        request: &http::Request<Vec<u8>>,
        form_value: Option<&str>,
        expected: &str,
    ) -> bool {
        let cookie = sesame_core::cookie::parse_cookies(sesame_core::cookie::cookie_headers(
            request.headers(),
        ))
        .into_iter()
        .find(|(n, _)| *n == CSRF_COOKIE)
        .map(|(_, v)| v.to_owned());
        expected.len() == 22
            && form_value
                .is_some_and(|c| sesame_core::constant_time::eq(c.as_bytes(), expected.as_bytes()))
            && cookie
                .as_deref()
                .is_some_and(|c| sesame_core::constant_time::eq(c.as_bytes(), expected.as_bytes()))
    }

    /// Parses a posted form, opens its sealed state and checks its CSRF token
    /// against the cookie; on failure, the error page to answer.
    #[allow(clippy::type_complexity, clippy::result_large_err)] // the error is the answer, moved once
    pub(crate) fn open_form<T: serde::de::DeserializeOwned>(
        &self,
        request: &http::Request<Vec<u8>>,
        field: &str,
        purpose: &str,
        what: &str,
        csrf_of: fn(&T) -> &str,
        now: SystemTime,
    ) -> Result<(T, Vec<(String, String)>), http::Response<Vec<u8>>> {
        let form = parse_params(request.body(), crate::MAX_PARAMS_LEN)
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
}
