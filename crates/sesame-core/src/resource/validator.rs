//! Validating bearer JWTs (RFC 9068) from the trusted issuers.

use std::time::{Duration, SystemTime};

use super::{AccessClaims, BearerError, IssuerKeys, KeySource, TrustedIssuer};
use crate::jose::{
    self, Claims, Confirmation, Date, JoseError, JwkSet, Parts, Scratch, Text, Texts,
};
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

    /// The issuer named by the (still unverified) `iss`. It only chooses
    /// among configured issuers, like `kid` among keys; the signature is
    /// checked next, with that issuer's keys.
    fn trusted(&self, iss: &Text<'_>) -> Result<&TrustedIssuer, BearerError> {
        let iss = iss.as_str().ok_or(BearerError::InvalidToken("no issuer"))?;
        self.issuers
            .iter()
            .find(|i| i.issuer == iss)
            .ok_or(BearerError::InvalidToken("untrusted issuer"))
    }

    /// The issuer a token names, unverified.
    fn trusted_for(&self, token: &str) -> Result<&TrustedIssuer, BearerError> {
        let malformed = BearerError::InvalidToken("malformed");
        let payload = Parts::split(token)
            .and_then(|p| p.decode_payload())
            .map_err(|_| malformed.clone())?;
        let named: IssuerOnly<'_> = jose::parse_registered(&payload).ok_or(malformed)?;
        self.trusted(&named.iss)
    }

    /// Whether the token is a JWT naming one of the trusted issuers
    /// (unverified: it only decides between local validation and introspection).
    pub fn trusts(&self, token: &str) -> bool {
        self.trusted_for(token).is_ok()
    }

    /// Which keys the token needs: a key set to get from the driver's JWKS
    /// cache, or the issuer's configured keys.
    pub fn keys_for(&self, token: &str) -> Result<KeySource<'_>, BearerError> {
        let issuer = self.trusted_for(token)?;
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
        // One decode and one typed pass over the payload: to choose the
        // issuer, and (once the signature over those very bytes is
        // verified) for the checks. The full claim set is parsed only if
        // someone reads it.
        let malformed = || BearerError::InvalidToken("malformed");
        let parts = Parts::split(token).map_err(|_| malformed())?;
        let payload = parts.decode_payload().map_err(|_| malformed())?;
        let claims: Registered<'_> = jose::parse_registered(&payload).ok_or_else(malformed)?;
        let issuer = self.trusted(&claims.iss)?;
        let mut scratch = Scratch::new();
        let header = parts
            .verify(keys, &issuer.algorithms, &mut scratch)
            .map_err(|e| match e {
                JoseError::UnknownKey => BearerError::UnknownKey,
                JoseError::AlgNone => BearerError::InvalidToken("alg none"),
                JoseError::BadSignature => BearerError::InvalidToken("bad signature"),
                _ => BearerError::InvalidToken("unverifiable"),
            })?;
        if issuer.require_at_jwt {
            let typ = header.typ.as_deref().unwrap_or("");
            if !(typ.eq_ignore_ascii_case("at+jwt")
                || typ.eq_ignore_ascii_case("application/at+jwt"))
            {
                return Err(BearerError::InvalidToken("not an access token (typ)"));
            }
        }
        if claims.iss.as_str() != Some(issuer.issuer.as_str()) {
            return Err(BearerError::InvalidToken("issuer"));
        }
        if !audience_matches(&claims.aud, &issuer.audiences) {
            return Err(BearerError::InvalidToken("audience"));
        }
        let exp = self.check_dates(&claims, now)?;
        let subject = claims
            .sub
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or(BearerError::InvalidToken("no sub"))?
            .to_owned();
        let scope = match &claims.scope {
            Texts::Missing => &claims.scp,
            given => given,
        };
        let scopes = match scope {
            Texts::One(s) => crate::scope::parse(s),
            Texts::Many(all) => all
                .iter()
                .filter_map(Text::as_str)
                .map(str::to_owned)
                .collect(),
            Texts::Missing | Texts::Wrong => Vec::new(),
        };
        let client_id = claims.client_id.as_str().map(str::to_owned);
        let key_bound = claims.cnf.jkt;
        drop(claims);
        Ok(AccessClaims {
            issuer: issuer.issuer.clone(),
            subject,
            scopes,
            client_id,
            expires_at: crate::time::from_unix(exp),
            claims: Claims::from_object_json(payload),
            key_bound,
        })
    }

    /// `exp` (required), `nbf` and `iat`, with the leeway; the expiry.
    fn check_dates(&self, claims: &Registered<'_>, now: SystemTime) -> Result<u64, BearerError> {
        let n = crate::time::unix_seconds(now);
        let leeway = self.leeway.as_secs();
        let date = |d: Date| d.strict().map_err(|()| BearerError::InvalidToken("dates"));
        let exp = date(claims.exp)?.ok_or(BearerError::InvalidToken("no exp"))?;
        if n >= exp.saturating_add(leeway) {
            return Err(BearerError::InvalidToken("expired"));
        }
        if date(claims.nbf)?.is_some_and(|nbf| nbf > n.saturating_add(leeway)) {
            return Err(BearerError::InvalidToken("not yet valid"));
        }
        if date(claims.iat)?.is_some_and(|iat| iat > n.saturating_add(leeway)) {
            return Err(BearerError::InvalidToken("issued in the future"));
        }
        Ok(exp)
    }
}

/// Whether `aud` (a string or an array) names one of `accepted`; any
/// audience passes when none is configured.
fn audience_matches(aud: &Texts<'_>, accepted: &[String]) -> bool {
    if accepted.is_empty() {
        return true;
    }
    match aud {
        Texts::One(a) => accepted.iter().any(|x| x == a),
        Texts::Many(list) => list
            .iter()
            .filter_map(Text::as_str)
            .any(|a| accepted.iter().any(|x| x == a)),
        Texts::Missing | Texts::Wrong => false,
    }
}

/// The registered claims a bearer JWT is checked on, read in one typed
/// pass over the payload.
#[derive(serde::Deserialize, Default)]
struct Registered<'a> {
    #[serde(borrow, default)]
    iss: Text<'a>,
    #[serde(borrow, default)]
    sub: Text<'a>,
    #[serde(borrow, default)]
    aud: Texts<'a>,
    #[serde(default)]
    exp: Date,
    #[serde(default)]
    nbf: Date,
    #[serde(default)]
    iat: Date,
    #[serde(borrow, default)]
    scope: Texts<'a>,
    #[serde(borrow, default)]
    scp: Texts<'a>,
    #[serde(borrow, default)]
    client_id: Text<'a>,
    #[serde(default)]
    cnf: Confirmation,
}

/// Just the issuer, to choose the keys.
#[derive(serde::Deserialize, Default)]
struct IssuerOnly<'a> {
    #[serde(borrow, default)]
    iss: Text<'a>,
}

jose::scan_claims!(Registered {
    iss,
    sub,
    aud,
    exp,
    nbf,
    iat,
    scope,
    scp,
    client_id,
    cnf
});
jose::scan_claims!(IssuerOnly { iss });
