//! `WWW-Authenticate: DPoP …` challenges (RFC 9449 §7.1).

use std::fmt;

use super::ProofRefusal;
use crate::jose::Algorithm;
use crate::protocol::ErrorCode;

/// A `DPoP` challenge: the scheme, an optional realm, an optional error
/// code and description, an optional `scope` (the RFC 6750 §3 auth-param
/// RFC 9449 §7.1 allows, for `insufficient_scope`), and the accepted
/// algorithms (`algs`).
///
/// A request without credentials gets the bare challenge; a refused proof
/// gets `invalid_dpop_proof` or `use_dpop_nonce` (the latter with a fresh
/// `DPoP-Nonce` header, which the caller adds); a refused access token
/// gets `invalid_token` or `insufficient_scope` (with the scope needed).
///
/// ```
/// use sesame_core::dpop::{Challenge, ProofRefusal};
/// use sesame_core::jose::Algorithm;
/// use sesame_core::protocol::ErrorCode;
///
/// let algs = [Algorithm::ES256, Algorithm::EdDSA];
/// assert_eq!(Challenge::new(&algs).to_string(), r#"DPoP algs="ES256 EdDSA""#);
/// assert_eq!(
///     Challenge::refusal(&ProofRefusal::NonceRequired, &algs).to_string(),
///     r#"DPoP error="use_dpop_nonce", error_description="dpop nonce required", algs="ES256 EdDSA""#,
/// );
/// let bound = Challenge::new(&algs)
///     .with_realm("api")
///     .with_error(ErrorCode::InvalidToken)
///     .with_description("Invalid \"DPoP\" key binding");
/// assert_eq!(
///     bound.to_string(),
///     r#"DPoP realm="api", error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256 EdDSA""#,
/// );
/// let scope = Challenge::new(&algs)
///     .with_error(ErrorCode::InsufficientScope)
///     .with_scope("api:write");
/// assert_eq!(
///     scope.to_string(),
///     r#"DPoP error="insufficient_scope", scope="api:write", algs="ES256 EdDSA""#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    realm: Option<String>,
    error: Option<ErrorCode>,
    description: Option<String>,
    scope: Option<String>,
    algs: Vec<Algorithm>,
}

impl Challenge {
    /// The bare challenge: `DPoP algs="…"`.
    pub fn new(algs: &[Algorithm]) -> Self {
        Self {
            realm: None,
            error: None,
            description: None,
            scope: None,
            algs: algs.to_vec(),
        }
    }

    /// The challenge answering a refused proof: its error code and its
    /// message as the description (the message names the rule the client's
    /// own proof broke, nothing about the server).
    pub fn refusal(refusal: &ProofRefusal, algs: &[Algorithm]) -> Self {
        Self::new(algs)
            .with_error(refusal.error_code())
            .with_description(&refusal.to_string())
    }

    /// Sets the `realm`.
    pub fn with_realm(mut self, realm: &str) -> Self {
        self.realm = Some(quotable(realm));
        self
    }

    /// Sets the `error` code.
    pub fn with_error(mut self, code: impl Into<ErrorCode>) -> Self {
        self.error = Some(code.into());
        self
    }

    /// Sets the `error_description` (quotes, backslashes and characters
    /// outside printable ASCII are dropped).
    pub fn with_description(mut self, description: &str) -> Self {
        self.description = Some(quotable(description));
        self
    }

    /// Sets the `scope`: the scope the request needs, for
    /// `insufficient_scope` (characters that cannot stand in a quoted
    /// string are dropped, as for the description).
    pub fn with_scope(mut self, scope: &str) -> Self {
        self.scope = Some(quotable(scope));
        self
    }

    /// The challenge as a `WWW-Authenticate` header value.
    pub fn header_value(&self) -> http::HeaderValue {
        // Every part is printable ASCII, so this cannot fail.
        http::HeaderValue::from_str(&self.to_string())
            .unwrap_or_else(|_| http::HeaderValue::from_static("DPoP"))
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(super::SCHEME)?;
        let mut sep = " ";
        if let Some(realm) = &self.realm {
            write!(f, "{sep}realm=\"{realm}\"")?;
            sep = ", ";
        }
        if let Some(code) = self.error {
            write!(f, "{sep}error=\"{}\"", code.as_str())?;
            sep = ", ";
        }
        if let Some(text) = &self.description {
            write!(f, "{sep}error_description=\"{text}\"")?;
            sep = ", ";
        }
        if let Some(scope) = &self.scope {
            write!(f, "{sep}scope=\"{scope}\"")?;
            sep = ", ";
        }
        if !self.algs.is_empty() {
            let algs: Vec<&str> = self.algs.iter().map(|a| a.as_str()).collect();
            write!(f, "{sep}algs=\"{}\"", algs.join(" "))?;
        }
        Ok(())
    }
}

/// Keeps what may stand inside a quoted string unescaped.
fn quotable(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, ' '..='~') && *c != '"' && *c != '\\')
        .collect()
}
