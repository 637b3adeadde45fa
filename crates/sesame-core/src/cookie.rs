//! Reading and writing cookies on `http` values: the request's `Cookie`
//! headers and the response's `Set-Cookie` values. Shared by the login
//! routes, sessions and the authorization server's CSRF cookie.
//!
//! ```
//! let mut req = http::Request::new(());
//! req.headers_mut().insert("cookie", "a=1; b=\"2\"".parse().unwrap());
//! let pairs = sesame_core::cookie::parse_cookies(sesame_core::cookie::cookie_headers(req.headers()));
//! assert_eq!(pairs, [("a", "1"), ("b", "2")]);
//! ```

/// The values of a request's `Cookie` headers.
pub fn cookie_headers(headers: &http::HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
}

/// Splits `Cookie` headers into name/value pairs.
pub fn parse_cookies<'a>(headers: impl IntoIterator<Item = &'a str>) -> Vec<(&'a str, &'a str)> {
    headers
        .into_iter()
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| {
            let (n, v) = pair.split_once('=')?;
            Some((n.trim(), v.trim().trim_matches('"')))
        })
        .collect()
}

/// The value of the cookie `name` among a request's headers.
pub fn find<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    parse_cookies(cookie_headers(headers))
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// Appends `Set-Cookie` values (such as the login cookie's clearing) to
/// a response's headers.
pub fn append_cookies(headers: &mut http::HeaderMap, cookies: impl IntoIterator<Item = String>) {
    for c in cookies {
        if let Ok(v) = http::HeaderValue::from_str(&c) {
            headers.append(http::header::SET_COOKIE, v);
        }
    }
}
