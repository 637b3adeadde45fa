//! Building the `http` responses every role answers with: JSON bodies and
//! redirects that are never cached.
//!
//! ```
//! use sesame_core::protocol::ErrorCode;
//! let r = sesame_core::response::oauth_error(ErrorCode::InvalidGrant, "code already used");
//! assert_eq!(r.status(), 400);
//! assert_eq!(r.headers()["cache-control"], "no-store");
//! ```

use serde_json::Value;

use crate::protocol::ErrorCode;

/// A JSON response with `Cache-Control: no-store`.
pub fn json_response(status: u16, body: &Value) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(serde_json::to_vec(body).unwrap_or_default())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

/// The RFC 6749 §5.2 error body `{"error", "error_description"}` with the
/// code's status.
pub fn oauth_error(code: ErrorCode, description: &str) -> http::Response<Vec<u8>> {
    json_response(
        code.status(),
        &serde_json::json!({"error": code.as_str(), "error_description": description}),
    )
}

/// `303 See Other` to `location` (never 307/308, so a posted form is never
/// re-posted), not cached.
pub fn see_other(location: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(303)
        .header(http::header::LOCATION, location)
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(Vec::new())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

/// The headers every page a Sesame app serves should carry, whatever
/// serves it (the home page, Swagger UI, error pages): never framed
/// (clickjacking), no `Referer` leaking a query that may hold a code or a
/// state, no MIME sniffing. A stricter `Content-Security-Policy` already on
/// the response (the authorization server's pages) is kept.
pub const PAGE_HEADERS: [(http::HeaderName, &str); 4] = [
    (http::header::X_FRAME_OPTIONS, "DENY"),
    (
        http::header::CONTENT_SECURITY_POLICY,
        "frame-ancestors 'none'",
    ),
    (http::header::REFERRER_POLICY, "no-referrer"),
    (http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
];

/// Adds [`PAGE_HEADERS`] that the response does not set already.
///
/// ```
/// let mut h = http::HeaderMap::new();
/// sesame_core::response::add_page_headers(&mut h);
/// assert_eq!(h["x-frame-options"], "DENY");
/// assert_eq!(h["referrer-policy"], "no-referrer");
/// ```
pub fn add_page_headers(headers: &mut http::HeaderMap) {
    for (name, value) in PAGE_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, http::HeaderValue::from_static(value));
        }
    }
}
