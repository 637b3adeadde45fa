//! Back-channel logout (OpenID Connect Back-Channel Logout 1.0): the
//! provider POSTs a signed logout token; every rule of §2.6 is checked
//! before any session is touched, and the token then ends the sessions of
//! its `sid`, or of its `sub` when it names no `sid` (§2.7).

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use super::sessions::{sid_marker, sub_marker};
use super::store::{hash_key, StoreWrite};
use super::{LogoutTokenError, Sessions};
use crate::jose::{self, Algorithm, JwkSet};
use crate::time::unix_seconds;

/// The event a logout token must carry.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// The largest form body accepted at the back-channel logout route.
pub const MAX_LOGOUT_BODY: usize = 64 * 1024;

/// The rules a logout token is checked against.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LogoutTokenValidator {
    /// The provider's issuer (exact).
    pub issuer: String,
    /// The client id (must be in `aud`).
    pub client_id: String,
    /// Accepted signature algorithms (asymmetric ones by default; never `none`).
    pub algorithms: Vec<Algorithm>,
    /// Clock-skew leeway for `iat` and `exp`.
    pub leeway: Duration,
    /// The oldest `iat` accepted (default 10 minutes): it bounds how long
    /// `jti`s are remembered.
    pub max_age: Duration,
}

/// A valid logout token's claims.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogoutToken {
    /// `iss`.
    pub issuer: String,
    /// `sub`, if present.
    pub subject: Option<String>,
    /// `sid`, if present.
    pub session_id: Option<String>,
    /// `jti`.
    pub jti: String,
    /// `iat` (Unix seconds).
    pub issued_at: u64,
    /// `exp` (Unix seconds), if present.
    pub expires_at: Option<u64>,
}

impl LogoutTokenValidator {
    /// A validator for this provider and client, with the asymmetric
    /// algorithms, 60 seconds of leeway and a 10-minute maximum age.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            algorithms: Algorithm::ASYMMETRIC.to_vec(),
            leeway: crate::idtoken::DEFAULT_LEEWAY,
            max_age: Duration::from_secs(600),
        }
    }

    /// Checks `token` with the provider's `keys` at `now` (everything but
    /// the `jti` replay check, which needs the store:
    /// [`Sessions::jti_write`]). An unknown `kid` is
    /// [`LogoutTokenError::Jose`]`(`[`JoseError::UnknownKey`](crate::jose::JoseError::UnknownKey)`)`:
    /// refetch the key set once and try again.
    pub fn validate(
        &self,
        token: &str,
        keys: &JwkSet,
        now: SystemTime,
    ) -> Result<LogoutToken, LogoutTokenError> {
        let verified =
            jose::verify(token, keys, &self.algorithms).map_err(LogoutTokenError::Jose)?;
        if let Some(typ) = &verified.header.typ {
            let t = typ.to_ascii_lowercase();
            let t = t.strip_prefix("application/").unwrap_or(&t);
            if t != "logout+jwt" && t != "jwt" {
                return Err(LogoutTokenError::WrongType);
            }
        }
        let claims = verified
            .claims()
            .map_err(|_| LogoutTokenError::MalformedClaims)?;
        self.check_claims(&claims, now)
    }

    /// The claim checks alone (§2.6 steps 3–10 but the replay check).
    pub fn check_claims(
        &self,
        claims: &Map<String, Value>,
        now: SystemTime,
    ) -> Result<LogoutToken, LogoutTokenError> {
        let now = unix_seconds(now);
        let leeway = self.leeway.as_secs();
        let iss = string(claims, "iss")?.ok_or(LogoutTokenError::IssuerMismatch)?;
        if iss != self.issuer {
            return Err(LogoutTokenError::IssuerMismatch);
        }
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => a == &self.client_id,
            Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(&self.client_id)),
            Some(_) => return Err(LogoutTokenError::MalformedClaims),
            None => false,
        };
        if !aud_ok {
            return Err(LogoutTokenError::AudienceMismatch);
        }
        let iat = number(claims, "iat")?.ok_or(LogoutTokenError::MissingIssuedAt)?;
        if iat > now.saturating_add(leeway) {
            return Err(LogoutTokenError::IssuedInFuture);
        }
        if now.saturating_sub(iat) > self.max_age.as_secs().saturating_add(leeway) {
            return Err(LogoutTokenError::TooOld);
        }
        let exp = number(claims, "exp")?;
        if let Some(exp) = exp {
            if now >= exp.saturating_add(leeway) {
                return Err(LogoutTokenError::Expired);
            }
        }
        let jti = string(claims, "jti")?
            .filter(|j| !j.is_empty())
            .ok_or(LogoutTokenError::MissingJti)?;
        let event = claims
            .get("events")
            .and_then(Value::as_object)
            .and_then(|e| e.get(BACKCHANNEL_LOGOUT_EVENT));
        if !matches!(event, Some(Value::Object(_))) {
            return Err(LogoutTokenError::MissingEvent);
        }
        let sub = string(claims, "sub")?.filter(|s| !s.is_empty());
        let sid = string(claims, "sid")?.filter(|s| !s.is_empty());
        if sub.is_none() && sid.is_none() {
            return Err(LogoutTokenError::MissingSubjectAndSession);
        }
        if claims.contains_key("nonce") {
            return Err(LogoutTokenError::HasNonce);
        }
        Ok(LogoutToken {
            issuer: iss.to_owned(),
            subject: sub.map(String::from),
            session_id: sid.map(String::from),
            jti: jti.to_owned(),
            issued_at: iat,
            expires_at: exp,
        })
    }
}

fn string<'a>(
    claims: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, LogoutTokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(LogoutTokenError::MalformedClaims),
    }
}

fn number(claims: &Map<String, Value>, name: &str) -> Result<Option<u64>, LogoutTokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .map(Some)
            .ok_or(LogoutTokenError::MalformedClaims),
    }
}

/// The `logout_token` field of the back-channel request's form body.
pub fn logout_token_from_form(body: &[u8]) -> Result<String, LogoutTokenError> {
    let pairs = crate::http_util::parse_params(body, MAX_LOGOUT_BODY)
        .map_err(|_| LogoutTokenError::Missing)?;
    pairs
        .into_iter()
        .find(|(k, _)| k == "logout_token")
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
        .ok_or(LogoutTokenError::Missing)
}

/// The answer to a back-channel logout: `200` with `Cache-Control:
/// no-store` on success; `400` with `{"error": "invalid_request", ...}` for
/// any refused token (§2.8).
pub fn backchannel_response(result: &Result<(), LogoutTokenError>) -> http::Response<Vec<u8>> {
    let mut resp = match result {
        Ok(()) => http::Response::new(Vec::new()),
        Err(e) => crate::response::json_response(
            400,
            &serde_json::json!({"error": "invalid_request", "error_description": e.to_string()}),
        ),
    };
    resp.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    resp
}

impl Sessions {
    /// The replay check's write: store it with `put_new`; `false` means
    /// the token was replayed ([`LogoutTokenError::Replayed`]).
    pub fn jti_write(
        &self,
        token: &LogoutToken,
        validator: &LogoutTokenValidator,
        now: SystemTime,
    ) -> StoreWrite {
        let now = unix_seconds(now);
        let keep_until = token
            .expires_at
            .unwrap_or(0)
            .max(token.issued_at + validator.max_age.as_secs())
            + validator.leeway.as_secs();
        StoreWrite {
            key: format!(
                "sesame:jti:{}",
                hash_key(&["jti", &token.issuer, &token.jti])
            ),
            value: b"1".to_vec(),
            ttl: Duration::from_secs(keep_until.saturating_sub(now).max(1)),
        }
    }

    /// The markers a valid logout token writes: its `sid`'s sessions end;
    /// without a `sid`, every session of its `sub` that began before now.
    pub fn backchannel_writes(&self, token: &LogoutToken, now: SystemTime) -> Vec<StoreWrite> {
        let ttl = self.config().absolute_timeout;
        match (&token.session_id, &token.subject) {
            (Some(sid), _) => vec![StoreWrite {
                key: sid_marker(&token.issuer, sid),
                value: b"1".to_vec(),
                ttl,
            }],
            (None, Some(sub)) => vec![StoreWrite {
                key: sub_marker(&token.issuer, sub),
                value: unix_seconds(now).to_string().into_bytes(),
                ttl,
            }],
            (None, None) => Vec::new(),
        }
    }
}
