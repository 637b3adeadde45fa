//! Validating bearer JWTs (RFC 9068) from the trusted issuers.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use super::{AccessClaims, BearerError, IssuerKeys, KeySource, TrustedIssuer};
use crate::jose::{self, JoseError, JwkSet};
use crate::step::KeyRequest;

/// Validates bearer JWTs from one or more trusted issuers.
#[derive(Debug, Clone)]
pub struct BearerValidator {
    issuers: Vec<TrustedIssuer>,
    pub(super) leeway: Duration,
}

impl Default for BearerValidator {
    fn default() -> Self {
        Self {
            issuers: Vec::new(),
            leeway: crate::idtoken::DEFAULT_LEEWAY,
        }
    }
}

impl BearerValidator {
    /// A validator with no issuers (add them with [`BearerValidator::issuer`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts an issuer.
    pub fn issuer(mut self, issuer: TrustedIssuer) -> Self {
        self.issuers.push(issuer);
        self
    }

    /// Sets the clock-skew leeway for `exp`/`nbf` (default 60 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The issuer named by the (still unverified) claims. `iss` only
    /// chooses among configured issuers, like `kid` among keys; the
    /// signature is checked next, with that issuer's keys.
    fn trusted(&self, claims: &Map<String, Value>) -> Result<&TrustedIssuer, BearerError> {
        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(BearerError::InvalidToken("no issuer"))?;
        self.issuers
            .iter()
            .find(|i| i.issuer == iss)
            .ok_or(BearerError::InvalidToken("untrusted issuer"))
    }

    /// Whether the token is a JWT naming one of the trusted issuers
    /// (unverified: it only decides between local validation and introspection).
    pub fn trusts(&self, token: &str) -> bool {
        jose::unverified_claims(token).is_ok_and(|c| self.trusted(&c).is_ok())
    }

    /// Which keys the token needs: a key set to get from the driver's JWKS
    /// cache, or the issuer's configured keys.
    pub fn keys_for(&self, token: &str) -> Result<KeySource<'_>, BearerError> {
        let claims =
            jose::unverified_claims(token).map_err(|_| BearerError::InvalidToken("malformed"))?;
        let issuer = self.trusted(&claims)?;
        match &issuer.keys {
            IssuerKeys::Static(keys) => Ok(KeySource::Static(keys)),
            IssuerKeys::Remote(jwks_uri) => {
                let header = jose::Header::peek(token)
                    .map_err(|_| BearerError::InvalidToken("malformed"))?;
                Ok(KeySource::Fetch(KeyRequest {
                    jwks_uri: jwks_uri.clone(),
                    kid: header.kid,
                    refresh: false,
                }))
            }
        }
    }

    /// Validates the token with the issuer's keys at `now`.
    pub fn validate(
        &self,
        token: &str,
        keys: &JwkSet,
        now: SystemTime,
    ) -> Result<AccessClaims, BearerError> {
        // One decode and one parse of the payload: to choose the issuer, and
        // (once the signature over those very bytes is verified) as the claims.
        let claims =
            jose::unverified_claims(token).map_err(|_| BearerError::InvalidToken("malformed"))?;
        let issuer = self.trusted(&claims)?;
        let header =
            jose::verify_signature(token, keys, &issuer.algorithms).map_err(|e| match e {
                JoseError::UnknownKey => BearerError::UnknownKey,
                JoseError::AlgNone => BearerError::InvalidToken("alg none"),
                JoseError::BadSignature => BearerError::InvalidToken("bad signature"),
                _ => BearerError::InvalidToken("unverifiable"),
            })?;
        if issuer.require_at_jwt {
            let typ = header.typ.as_deref().map(str::to_ascii_lowercase);
            if !matches!(typ.as_deref(), Some("at+jwt" | "application/at+jwt")) {
                return Err(BearerError::InvalidToken("not an access token (typ)"));
            }
        }
        if claims.get("iss").and_then(Value::as_str) != Some(issuer.issuer.as_str()) {
            return Err(BearerError::InvalidToken("issuer"));
        }
        if !audience_matches(&claims, &issuer.audiences) {
            return Err(BearerError::InvalidToken("audience"));
        }
        let exp = self.check_dates(&claims, now)?;
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(BearerError::InvalidToken("no sub"))?;
        let scopes = match claims.get("scope").or_else(|| claims.get("scp")) {
            Some(Value::String(s)) => crate::scope::parse(s),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Ok(AccessClaims {
            issuer: issuer.issuer.clone(),
            subject: subject.to_owned(),
            scopes,
            client_id: claims
                .get("client_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            expires_at: crate::time::from_unix(exp),
            claims,
        })
    }

    /// `exp` (required), `nbf` and `iat`, with the leeway; the expiry.
    fn check_dates(
        &self,
        claims: &Map<String, Value>,
        now: SystemTime,
    ) -> Result<u64, BearerError> {
        let n = crate::time::unix_seconds(now);
        let leeway = self.leeway.as_secs();
        let date = |k: &str| {
            crate::idtoken::numeric_date(claims, k).map_err(|_| BearerError::InvalidToken("dates"))
        };
        let exp = date("exp")?.ok_or(BearerError::InvalidToken("no exp"))?;
        if n >= exp.saturating_add(leeway) {
            return Err(BearerError::InvalidToken("expired"));
        }
        if date("nbf")?.is_some_and(|nbf| nbf > n.saturating_add(leeway)) {
            return Err(BearerError::InvalidToken("not yet valid"));
        }
        if date("iat")?.is_some_and(|iat| iat > n.saturating_add(leeway)) {
            return Err(BearerError::InvalidToken("issued in the future"));
        }
        Ok(exp)
    }
}

/// Whether `aud` (a string or an array) names one of `accepted`; any
/// audience passes when none is configured.
fn audience_matches(claims: &Map<String, Value>, accepted: &[String]) -> bool {
    if accepted.is_empty() {
        return true;
    }
    match claims.get("aud") {
        Some(Value::String(a)) => accepted.contains(a),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|a| accepted.iter().any(|x| x == a)),
        _ => false,
    }
}
