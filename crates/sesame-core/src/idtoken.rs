//! ID token validation (OpenID Connect Core 1.0 §3.1.3.7).
//!
//! Every rule is checked, and each failure has its own error variant:
//! exact `iss`; `aud` containing the client id; `azp` required and equal to
//! the client id when there are several audiences; `exp` with leeway; `iat`
//! present and not in the future beyond the leeway; `nbf`; `nonce`; `sub`;
//! and `at_hash` when present. For an ID token returned on refresh the
//! nonce may be absent, but `iss` and `sub` must match the original.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::jose::{self, Algorithm, JoseError, JwkSet};

/// The default clock-skew leeway: 60 seconds.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// The JWS itself was refused (signature, algorithm, key, format).
    #[error("id token signature: {0}")]
    Jose(#[from] JoseError),
    /// The claims are not a JSON object or a claim has the wrong type.
    #[error("id token claims are malformed")]
    MalformedClaims,
    /// `iss` is not the expected issuer.
    #[error("id token issuer mismatch")]
    IssuerMismatch,
    /// `aud` does not contain the client id.
    #[error("id token audience mismatch")]
    AudienceMismatch,
    /// Several audiences but no `azp`.
    #[error("id token has several audiences but no azp")]
    MissingAuthorizedParty,
    /// `azp` is not the client id.
    #[error("id token azp mismatch")]
    AuthorizedPartyMismatch,
    /// `exp` is missing.
    #[error("id token has no exp")]
    MissingExpiry,
    /// `exp` is in the past (beyond the leeway).
    #[error("id token has expired")]
    Expired,
    /// `iat` is missing.
    #[error("id token has no iat")]
    MissingIssuedAt,
    /// `iat` is in the future (beyond the leeway).
    #[error("id token issued in the future")]
    IssuedInFuture,
    /// `nbf` is in the future (beyond the leeway).
    #[error("id token not yet valid")]
    NotYetValid,
    /// A nonce was sent but the token has none.
    #[error("id token has no nonce")]
    MissingNonce,
    /// The token's nonce is not the one sent.
    #[error("id token nonce mismatch")]
    NonceMismatch,
    /// `sub` is missing or empty.
    #[error("id token has no sub")]
    MissingSubject,
    /// On refresh: `sub` differs from the original ID token's.
    #[error("id token subject changed")]
    SubjectMismatch,
    /// `at_hash` does not match the access token.
    #[error("id token at_hash mismatch")]
    AccessTokenHashMismatch,
    /// The `typ` header marks this as another kind of token (e.g. an access token).
    #[error("token type is not an id token")]
    WrongTokenType,
}

/// How the `iss` claim is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssuerRule {
    /// `iss` must equal this string exactly.
    Exact(String),
    /// `iss` must equal the template with `{placeholder}` replaced by the
    /// token's `claim` (Microsoft's multi-tenant issuer,
    /// `https://login.microsoftonline.com/{tenantid}/v2.0`, with claim `tid`).
    Template {
        /// The issuer template.
        template: String,
        /// The placeholder, with braces, e.g. `{tenantid}`.
        placeholder: String,
        /// The claim whose value fills the placeholder, e.g. `tid`.
        claim: String,
    },
}

impl IssuerRule {
    /// Whether `iss` is acceptable for a token with these claims.
    pub fn matches(&self, iss: &str, claims: &Map<String, Value>) -> bool {
        match self {
            IssuerRule::Exact(s) => s == iss,
            IssuerRule::Template {
                template,
                placeholder,
                claim,
            } => match claims.get(claim).and_then(Value::as_str) {
                Some(v) if !v.is_empty() && !v.contains('/') => {
                    template.replace(placeholder, v) == iss
                }
                _ => false,
            },
        }
    }
}

/// The parameters an ID token is validated against.
#[derive(Debug, Clone)]
pub struct IdTokenValidator {
    /// The expected issuer.
    pub issuer: IssuerRule,
    /// The client id (the expected audience).
    pub client_id: String,
    /// The nonce sent in the authorization request (`None` on refresh).
    pub nonce: Option<String>,
    /// On refresh: the `sub` of the original ID token.
    pub expected_subject: Option<String>,
    /// Allowed signature algorithms.
    pub algorithms: Vec<Algorithm>,
    /// Clock-skew leeway for `exp`, `iat` and `nbf`.
    pub leeway: Duration,
}

impl IdTokenValidator {
    /// A validator for a login: exact issuer, client id and nonce, the
    /// asymmetric algorithms and the default leeway.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            issuer: IssuerRule::Exact(issuer.into()),
            client_id: client_id.into(),
            nonce: None,
            expected_subject: None,
            algorithms: Algorithm::ASYMMETRIC.to_vec(),
            leeway: DEFAULT_LEEWAY,
        }
    }

    /// Sets the expected nonce.
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// Validates `token` with `keys` at time `now`. `access_token`, when
    /// given, is checked against `at_hash` if the token carries one.
    pub fn validate(
        &self,
        token: &str,
        keys: &JwkSet,
        now: SystemTime,
        access_token: Option<&str>,
    ) -> Result<IdTokenClaims, IdTokenError> {
        let verified = jose::verify(token, keys, &self.algorithms)?;
        if let Some(typ) = &verified.header.typ {
            // RFC 8725 §3.11: never take an access token for an ID token.
            let t = typ.to_ascii_lowercase();
            if t.ends_with("at+jwt") || t == "logout+jwt" {
                return Err(IdTokenError::WrongTokenType);
            }
        }
        let claims = verified
            .claims()
            .map_err(|_| IdTokenError::MalformedClaims)?;
        self.check_claims(claims, verified.header.alg, now, access_token)
    }

    /// The claim checks alone, for claims whose signature was verified elsewhere.
    pub fn check_claims(
        &self,
        claims: Map<String, Value>,
        alg: Algorithm,
        now: SystemTime,
        access_token: Option<&str>,
    ) -> Result<IdTokenClaims, IdTokenError> {
        let now = crate::time::unix_seconds(now);
        let leeway = self.leeway.as_secs();

        let iss = claim_str(&claims, "iss")?.ok_or(IdTokenError::IssuerMismatch)?;
        if !self.issuer.matches(iss, &claims) {
            return Err(IdTokenError::IssuerMismatch);
        }
        let sub = claim_str(&claims, "sub")?
            .filter(|s| !s.is_empty())
            .ok_or(IdTokenError::MissingSubject)?;

        let audiences = audiences(&claims)?;
        if !audiences.iter().any(|a| a == &self.client_id) {
            return Err(IdTokenError::AudienceMismatch);
        }
        let azp = claim_str(&claims, "azp")?;
        if audiences.len() > 1 && azp.is_none() {
            return Err(IdTokenError::MissingAuthorizedParty);
        }
        if let Some(azp) = azp {
            if azp != self.client_id {
                return Err(IdTokenError::AuthorizedPartyMismatch);
            }
        }

        let exp = numeric_date(&claims, "exp")?.ok_or(IdTokenError::MissingExpiry)?;
        if now >= exp.saturating_add(leeway) {
            return Err(IdTokenError::Expired);
        }
        let iat = numeric_date(&claims, "iat")?.ok_or(IdTokenError::MissingIssuedAt)?;
        if iat > now.saturating_add(leeway) {
            return Err(IdTokenError::IssuedInFuture);
        }
        if let Some(nbf) = numeric_date(&claims, "nbf")? {
            if nbf > now.saturating_add(leeway) {
                return Err(IdTokenError::NotYetValid);
            }
        }

        let nonce = claim_str(&claims, "nonce")?;
        if let Some(expected) = &self.nonce {
            let got = nonce.ok_or(IdTokenError::MissingNonce)?;
            if !crate::constant_time::eq(expected.as_bytes(), got.as_bytes()) {
                return Err(IdTokenError::NonceMismatch);
            }
        }
        if let Some(expected) = &self.expected_subject {
            if expected != sub {
                return Err(IdTokenError::SubjectMismatch);
            }
        }

        if let (Some(at_hash), Some(access_token)) = (claim_str(&claims, "at_hash")?, access_token)
        {
            if !token_hash_matches(alg, access_token, at_hash) {
                return Err(IdTokenError::AccessTokenHashMismatch);
            }
        }

        Ok(IdTokenClaims {
            issuer: iss.to_owned(),
            subject: sub.to_owned(),
            audiences,
            expires_at: crate::time::from_unix(exp),
            issued_at: crate::time::from_unix(iat),
            nonce: nonce.map(str::to_owned),
            claims,
        })
    }
}

/// Whether `hash` is the OIDC `at_hash`/`c_hash` of `value` for `alg`: the
/// base64url of the left half of the algorithm's hash of the value.
pub fn token_hash_matches(alg: Algorithm, value: &str, hash: &str) -> bool {
    crate::constant_time::eq(token_hash(alg, value).as_bytes(), hash.as_bytes())
}

/// Computes the OIDC `at_hash`/`c_hash` of `value` for `alg`.
pub fn token_hash(alg: Algorithm, value: &str) -> String {
    let digest = crate::crypto::digest::digest(alg.hash_for_token_hash(), value.as_bytes());
    let d = digest.as_ref();
    crate::base64url::encode(d.get(..d.len() / 2).unwrap_or(d))
}

fn claim_str<'a>(
    claims: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, IdTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(IdTokenError::MalformedClaims),
    }
}

fn audiences(claims: &Map<String, Value>) -> Result<Vec<String>, IdTokenError> {
    match claims.get("aud") {
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or(IdTokenError::MalformedClaims)
            })
            .collect(),
        None => Err(IdTokenError::AudienceMismatch),
        Some(_) => Err(IdTokenError::MalformedClaims),
    }
}

/// Reads a NumericDate claim (integer or finite non-negative float seconds).
pub(crate) fn numeric_date(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<u64>, IdTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(u) = n.as_u64() {
                Ok(Some(u))
            } else if let Some(f) = n.as_f64() {
                if f.is_finite() && (0.0..1e15).contains(&f) {
                    // Truncation is intended: NumericDate may carry fractions.
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Ok(Some(f as u64))
                } else {
                    Err(IdTokenError::MalformedClaims)
                }
            } else {
                Err(IdTokenError::MalformedClaims)
            }
        }
        Some(_) => Err(IdTokenError::MalformedClaims),
    }
}

/// The claims of a validated ID token.
#[derive(Debug, Clone, PartialEq)]
pub struct IdTokenClaims {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `aud`, as a list.
    pub audiences: Vec<String>,
    /// `exp`.
    pub expires_at: SystemTime,
    /// `iat`.
    pub issued_at: SystemTime,
    /// `nonce`, if present.
    pub nonce: Option<String>,
    /// Every claim, standard and custom.
    pub claims: Map<String, Value>,
}
