//! ID token validation (OpenID Connect Core 1.0 §3.1.3.7).
//!
//! Every rule is checked, and each failure has its own error variant:
//! exact `iss`; `aud` containing the client id; `azp` required and equal to
//! the client id when there are several audiences; `exp` with leeway; `iat`
//! present and not in the future beyond the leeway; `nbf`; `nonce`; `sub`;
//! and `at_hash` when present. For an ID token returned on refresh the
//! nonce may be absent, but `iss` and `sub` must match the original.

use std::time::{Duration, SystemTime};

use serde::Deserialize as _;
use serde_json::{Map, Value};

use crate::jose::{self, Algorithm, Claims, Date, JoseError, JwkSet, Parts, Scratch, Text, Texts};

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
        let parts = Parts::split(token)?;
        let mut scratch = Scratch::new();
        let header = parts.verify(keys, &self.algorithms, &mut scratch)?;
        if let Some(typ) = &header.typ {
            // RFC 8725 §3.11: never take an access token for an ID token.
            let at_jwt = typ
                .len()
                .checked_sub(6)
                .and_then(|i| typ.as_bytes().get(i..))
                .is_some_and(|end| end.eq_ignore_ascii_case(b"at+jwt"));
            if at_jwt || typ.eq_ignore_ascii_case("logout+jwt") {
                return Err(IdTokenError::WrongTokenType);
            }
        }
        let alg = header.alg;
        let payload = parts.decode_payload()?;
        // A templated issuer reads another claim by name: only then is the
        // whole set needed up front.
        let map = match &self.issuer {
            IssuerRule::Template { .. } => match serde_json::from_slice(&payload) {
                Ok(Value::Object(m)) => Some(m),
                _ => return Err(IdTokenError::MalformedClaims),
            },
            IssuerRule::Exact(_) => None,
        };
        let registered: Registered<'_> =
            jose::parse_registered(&payload).ok_or(IdTokenError::MalformedClaims)?;
        let checked = self.check(&registered, map.as_ref(), alg, now, access_token)?;
        let claims = match map {
            Some(m) => Claims::from(m),
            None => Claims::from_object_json(payload),
        };
        Ok(checked.with_claims(claims))
    }

    /// The claim checks alone, for claims whose signature was verified elsewhere.
    pub fn check_claims(
        &self,
        claims: Map<String, Value>,
        alg: Algorithm,
        now: SystemTime,
        access_token: Option<&str>,
    ) -> Result<IdTokenClaims, IdTokenError> {
        let claims = Value::Object(claims);
        let checked = {
            let registered =
                Registered::deserialize(&claims).map_err(|_| IdTokenError::MalformedClaims)?;
            let map = claims.as_object();
            self.check(&registered, map, alg, now, access_token)?
        };
        let Value::Object(map) = claims else {
            return Err(IdTokenError::MalformedClaims);
        };
        Ok(checked.with_claims(Claims::from(map)))
    }

    /// Every rule on the registered claims; `map` holds every claim when
    /// the issuer rule needs one by name.
    fn check(
        &self,
        claims: &Registered<'_>,
        map: Option<&Map<String, Value>>,
        alg: Algorithm,
        now: SystemTime,
        access_token: Option<&str>,
    ) -> Result<Checked, IdTokenError> {
        let now = crate::time::unix_seconds(now);
        let leeway = self.leeway.as_secs();
        let malformed = |_| IdTokenError::MalformedClaims;

        let iss = claims
            .iss
            .strict()
            .map_err(malformed)?
            .ok_or(IdTokenError::IssuerMismatch)?;
        let issuer_ok = match (&self.issuer, map) {
            (IssuerRule::Exact(s), _) => s == iss,
            (rule, Some(map)) => rule.matches(iss, map),
            (_, None) => false,
        };
        if !issuer_ok {
            return Err(IdTokenError::IssuerMismatch);
        }
        let sub = claims
            .sub
            .strict()
            .map_err(malformed)?
            .filter(|s| !s.is_empty())
            .ok_or(IdTokenError::MissingSubject)?;

        let audiences = audiences(&claims.aud)?;
        if !audiences.iter().any(|a| a == &self.client_id) {
            return Err(IdTokenError::AudienceMismatch);
        }
        let azp = claims.azp.strict().map_err(malformed)?;
        if audiences.len() > 1 && azp.is_none() {
            return Err(IdTokenError::MissingAuthorizedParty);
        }
        if let Some(azp) = azp {
            if azp != self.client_id {
                return Err(IdTokenError::AuthorizedPartyMismatch);
            }
        }

        let exp = claims
            .exp
            .strict()
            .map_err(malformed)?
            .ok_or(IdTokenError::MissingExpiry)?;
        if now >= exp.saturating_add(leeway) {
            return Err(IdTokenError::Expired);
        }
        let iat = claims
            .iat
            .strict()
            .map_err(malformed)?
            .ok_or(IdTokenError::MissingIssuedAt)?;
        if iat > now.saturating_add(leeway) {
            return Err(IdTokenError::IssuedInFuture);
        }
        if let Some(nbf) = claims.nbf.strict().map_err(malformed)? {
            if nbf > now.saturating_add(leeway) {
                return Err(IdTokenError::NotYetValid);
            }
        }

        let nonce = claims.nonce.strict().map_err(malformed)?;
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

        if let (Some(at_hash), Some(access_token)) =
            (claims.at_hash.strict().map_err(malformed)?, access_token)
        {
            if !token_hash_matches(alg, access_token, at_hash) {
                return Err(IdTokenError::AccessTokenHashMismatch);
            }
        }

        Ok(Checked {
            issuer: iss.to_owned(),
            subject: sub.to_owned(),
            audiences,
            expires_at: crate::time::from_unix(exp),
            issued_at: crate::time::from_unix(iat),
            nonce: nonce.map(str::to_owned),
        })
    }
}

/// The registered claims an ID token is checked on, read in one typed
/// pass over the payload.
#[derive(serde::Deserialize, Default)]
struct Registered<'a> {
    #[serde(borrow, default)]
    iss: Text<'a>,
    #[serde(borrow, default)]
    sub: Text<'a>,
    #[serde(borrow, default)]
    aud: Texts<'a>,
    #[serde(borrow, default)]
    azp: Text<'a>,
    #[serde(default)]
    exp: Date,
    #[serde(default)]
    iat: Date,
    #[serde(default)]
    nbf: Date,
    #[serde(borrow, default)]
    nonce: Text<'a>,
    #[serde(borrow, default)]
    at_hash: Text<'a>,
}

jose::scan_claims!(Registered {
    iss,
    sub,
    aud,
    azp,
    exp,
    iat,
    nbf,
    nonce,
    at_hash
});

/// What the checks produce, before the claim set joins it.
struct Checked {
    issuer: String,
    subject: String,
    audiences: Vec<String>,
    expires_at: SystemTime,
    issued_at: SystemTime,
    nonce: Option<String>,
}

impl Checked {
    fn with_claims(self, claims: Claims) -> IdTokenClaims {
        IdTokenClaims {
            issuer: self.issuer,
            subject: self.subject,
            audiences: self.audiences,
            expires_at: self.expires_at,
            issued_at: self.issued_at,
            nonce: self.nonce,
            claims,
        }
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

fn audiences(aud: &Texts<'_>) -> Result<Vec<String>, IdTokenError> {
    match aud {
        Texts::One(s) => Ok(vec![s.as_ref().to_owned()]),
        Texts::Many(all) => all
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .ok_or(IdTokenError::MalformedClaims)
            })
            .collect(),
        Texts::Missing => Err(IdTokenError::AudienceMismatch),
        Texts::Wrong => Err(IdTokenError::MalformedClaims),
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
    /// Every claim, standard and custom (parsed into a map on first use).
    pub claims: Claims,
}
