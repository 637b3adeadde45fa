//! Reading the credentials of a request (RFC 6750 §2.1).

use super::BearerError;

/// The bearer token of a request (`Authorization: Bearer <token>`).
pub fn extract_bearer(headers: &http::HeaderMap) -> Result<&str, BearerError> {
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(BearerError::Missing);
    };
    if values.next().is_some() {
        return Err(BearerError::InvalidRequest);
    }
    let text = value.to_str().map_err(|_| BearerError::InvalidRequest)?;
    let (scheme, token) = text.split_once(' ').ok_or(BearerError::InvalidRequest)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    let token = token.trim();
    // RFC 6750 §2.1 b64token.
    let ok = !token.is_empty()
        && token.len() <= 16 * 1024
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b));
    if ok {
        Ok(token)
    } else {
        Err(BearerError::InvalidRequest)
    }
}
