//! Reading the credentials of a request (RFC 6750 §2.1, RFC 9449 §7.1).

use std::fmt;

use super::BearerError;

/// The authorization schemes of a protected API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>` (RFC 6750).
    Bearer,
    /// `Authorization: DPoP <token>`, with a `DPoP` proof header (RFC 9449).
    Dpop,
}

impl AuthScheme {
    /// The scheme as it appears in `Authorization` and `WWW-Authenticate`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthScheme::Bearer => "Bearer",
            AuthScheme::Dpop => crate::dpop::SCHEME,
        }
    }

    fn parse(scheme: &str) -> Option<Self> {
        if scheme.eq_ignore_ascii_case("bearer") {
            Some(AuthScheme::Bearer)
        } else if scheme.eq_ignore_ascii_case(crate::dpop::SCHEME) {
            Some(AuthScheme::Dpop)
        } else {
            None
        }
    }
}

impl fmt::Display for AuthScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The request's one `Authorization` header, split into its scheme (if it
/// is one of ours) and the rest.
fn authorization(headers: &http::HeaderMap) -> Result<(Option<AuthScheme>, &str), BearerError> {
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(BearerError::Missing);
    };
    if values.next().is_some() {
        return Err(BearerError::InvalidRequest);
    }
    let text = value.to_str().map_err(|_| BearerError::InvalidRequest)?;
    let (scheme, token) = text.split_once(' ').ok_or(BearerError::InvalidRequest)?;
    Ok((AuthScheme::parse(scheme), token))
}

/// Checks the token's syntax: RFC 6750 §2.1 `b64token`, which is also
/// RFC 9449 §7.1's `token68`.
fn token_syntax(token: &str) -> Result<&str, BearerError> {
    let token = token.trim();
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

/// The bearer token of a request (`Authorization: Bearer <token>`).
///
/// Any other scheme (`DPoP` included) is [`BearerError::Missing`]: see
/// [`extract_credentials`] for both schemes.
pub fn extract_bearer(headers: &http::HeaderMap) -> Result<&str, BearerError> {
    match authorization(headers)? {
        (Some(AuthScheme::Bearer), token) => token_syntax(token),
        _ => Err(BearerError::Missing),
    }
}

/// The scheme and token of a request: `Authorization: Bearer <token>` or
/// `Authorization: DPoP <token>`. Another scheme, or no header, is
/// [`BearerError::Missing`]; two headers or a malformed token is
/// [`BearerError::InvalidRequest`].
///
/// ```
/// use sesame_core::resource::{extract_credentials, AuthScheme, BearerError};
/// let mut headers = http::HeaderMap::new();
/// headers.insert("authorization", "DPoP abc.def".parse().unwrap());
/// assert_eq!(extract_credentials(&headers), Ok((AuthScheme::Dpop, "abc.def")));
/// headers.insert("authorization", "Basic abc".parse().unwrap());
/// assert_eq!(extract_credentials(&headers), Err(BearerError::Missing));
/// ```
pub fn extract_credentials(headers: &http::HeaderMap) -> Result<(AuthScheme, &str), BearerError> {
    match authorization(headers)? {
        (Some(scheme), token) => Ok((scheme, token_syntax(token)?)),
        (None, _) => Err(BearerError::Missing),
    }
}
