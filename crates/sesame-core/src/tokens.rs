//! Token responses (RFC 6749 §5.1/§5.2) and the tokens a login yields.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::error::{LoginError, ProviderError, RequestError};
use crate::http_util::{truncate, MAX_BODY};
use crate::idtoken::IdTokenClaims;
use crate::protocol::{Endpoint, ErrorCode};
use crate::Secret;

/// The tokens a login or refresh yields.
///
/// `Debug` shows no token values.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Tokens {
    /// The access token.
    pub access_token: Secret,
    /// The token type, normalized: `"Bearer"`, or `"DPoP"` for a client
    /// using DPoP ([`crate::client::ClientConfig::dpop`]), whose access
    /// token goes out as `Authorization: DPoP …` with a proof.
    pub token_type: String,
    /// The refresh token, if one was issued.
    pub refresh_token: Option<Secret>,
    /// When the access token expires, if the provider said.
    pub expires_at: Option<SystemTime>,
    /// The granted scopes (from the response, else those requested).
    pub scopes: Vec<String>,
    /// The raw ID token, if one was issued.
    pub id_token: Option<Secret>,
    /// The ID token's claims, present only when the ID token was validated.
    pub id_token_claims: Option<IdTokenClaims>,
    /// Any other fields of the token response (never the tokens themselves).
    pub extra: Map<String, Value>,
    /// The login's own DPoP key, which these tokens are bound to, when the
    /// client makes one per login
    /// ([`ClientConfig::dpop_per_login`](crate::client::ClientConfig::dpop_per_login));
    /// `None` otherwise (a client's one key is [`crate::client::ClientConfig::dpop`]).
    /// Prove possession with [`Client::dpop_key_for`](crate::client::Client::dpop_key_for).
    pub dpop_key: Option<crate::dpop::LoginKey>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("id_token", &self.id_token)
            .field(
                "id_token_claims",
                &self.id_token_claims.as_ref().map(|c| &c.subject),
            )
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .field("dpop_key", &self.dpop_key)
            .finish()
    }
}

/// Which grant a token response answers: an OpenID login requires an ID
/// token, a refresh does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    AuthorizationCode,
    Refresh,
}

/// Parses a token endpoint response.
///
/// Handles the forms real providers use: JSON (the standard), a 200 whose
/// body is an error object (GitHub), form-encoded bodies (GitHub without
/// `Accept: application/json`, old Facebook), `token_type` in any case,
/// `expires_in` as a number or a numeric string, `scope` as a space- or
/// comma-separated string or an array, Fitbit's `errors` list, and
/// Instagram's answer wrapped in a one-element `data` list.
pub fn parse_token_response(
    response: &http::Response<Vec<u8>>,
    now: SystemTime,
    requested_scopes: &[String],
) -> Result<Tokens, LoginError> {
    parse(response, now, requested_scopes, false)
}

fn malformed(reason: &'static str) -> LoginError {
    LoginError::Provider(ProviderError::MalformedResponse {
        endpoint: Endpoint::Token,
        reason,
    })
}

/// [`parse_token_response`]; with `dpop` (the request carried a DPoP proof)
/// the token type must be `DPoP` (RFC 9449 §5).
pub(crate) fn parse(
    response: &http::Response<Vec<u8>>,
    now: SystemTime,
    requested_scopes: &[String],
    dpop: bool,
) -> Result<Tokens, LoginError> {
    let body = response.body();
    if body.len() > MAX_BODY {
        return Err(malformed("body too large"));
    }
    let fields = parse_body(body);
    if let Some(map) = &fields {
        error_answer(map)?;
    }
    let status = response.status();
    if !status.is_success() {
        return Err(ProviderError::Status {
            endpoint: Endpoint::Token,
            status: status.as_u16(),
        }
        .into());
    }
    let mut map = unwrap_data(fields.ok_or_else(|| malformed("not json or form"))?);
    let access_token = match map.remove("access_token") {
        Some(Value::String(s)) if !s.is_empty() => Secret::new(s),
        _ => return Err(malformed("no access_token")),
    };
    let token_type = match (map.remove("token_type"), dpop) {
        (Some(Value::String(t)), true) if t.eq_ignore_ascii_case(crate::dpop::SCHEME) => {
            crate::dpop::SCHEME.to_owned()
        }
        // The provider ignored the proof: a bearer token (RFC 9449 §5).
        (None, true) => return Err(ProviderError::DpopNotBound.into()),
        (Some(Value::String(t)), true) if t.eq_ignore_ascii_case("bearer") => {
            return Err(ProviderError::DpopNotBound.into())
        }
        (None, false) => "Bearer".to_owned(),
        (Some(Value::String(t)), false) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_owned(),
        (Some(_), _) => return Err(ProviderError::UnsupportedTokenType.into()),
    };
    let secret = |v: Option<Value>| match v {
        Some(Value::String(s)) if !s.is_empty() => Some(Secret::new(s)),
        _ => None,
    };
    let refresh_token = secret(map.remove("refresh_token"));
    let id_token = secret(map.remove("id_token"));
    let expires_at = expires_at(map.get("expires_in"), now)?;
    let scopes = granted_scopes(map.get("scope"), requested_scopes);
    Ok(Tokens {
        access_token,
        token_type,
        refresh_token,
        expires_at,
        scopes,
        id_token,
        id_token_claims: None,
        extra: map,
        dpop_key: None,
    })
}

/// An error answer, whatever its status: RFC 6749's `error`, or Fitbit's
/// `errors: [{errorType, message}]`. `invalid_grant` is the browser's
/// fault (a used or expired code), anything else the provider's.
fn error_answer(map: &Map<String, Value>) -> Result<(), LoginError> {
    let fitbit = map
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .filter(|e| e.get("errorType").is_some());
    let (error, description) = match (map.get("error"), fitbit) {
        (Some(e), _) => (e, map.get("error_description")),
        (None, Some(f)) => match f.get("errorType") {
            Some(e) => (e, f.get("message")),
            None => return Ok(()),
        },
        (None, None) => return Ok(()),
    };
    let (code, description) = error_fields(error, description);
    if ErrorCode::parse(&code) == Some(ErrorCode::InvalidGrant) {
        return Err(RequestError::GrantRejected.into());
    }
    Err(ProviderError::TokenEndpoint {
        error: code,
        description,
    }
    .into())
}

/// A provider's `error` and `error_description` as reported: the code
/// truncated (`unknown` when not a string), the description truncated.
pub(crate) fn error_fields(error: &Value, description: Option<&Value>) -> (String, Option<String>) {
    let code = error
        .as_str()
        .map(|s| truncate(s, 64))
        .unwrap_or_else(|| "unknown".into());
    let description = description
        .and_then(Value::as_str)
        .map(|s| truncate(s, 200));
    (code, description)
}

/// Instagram may wrap the answer: `{"data": [{"access_token": …}]}`.
fn unwrap_data(map: Map<String, Value>) -> Map<String, Value> {
    if map.contains_key("access_token") {
        return map;
    }
    if let Some(Value::Array(data)) = map.get("data") {
        if let [Value::Object(inner)] = data.as_slice() {
            if inner.contains_key("access_token") {
                return inner.clone();
            }
        }
    }
    map
}

/// `expires_in` as a number or a numeric string; absurd lifetimes are
/// capped at ten years instead of overflowing.
fn expires_at(value: Option<&Value>, now: SystemTime) -> Result<Option<SystemTime>, LoginError> {
    let secs = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.is_finite())
                .map(|f| f as u64)
        }),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(_) => None,
    }
    .ok_or_else(|| malformed("bad expires_in"))?;
    Ok(Some(now + Duration::from_secs(secs.min(10 * 365 * 86_400))))
}

/// `scope` as a space- or comma-separated string or an array; the
/// requested scopes when the answer does not say.
fn granted_scopes(value: Option<&Value>, requested: &[String]) -> Vec<String> {
    match value {
        Some(Value::String(s)) => s
            .split([' ', ','])
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => requested.to_vec(),
    }
}

/// Reads a body as a JSON object or, failing that, as form fields.
fn parse_body(body: &[u8]) -> Option<Map<String, Value>> {
    if let Some(m) = crate::http_util::json_object(body) {
        return Some(m);
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() || text.starts_with('{') || text.starts_with('<') || !text.contains('=') {
        return None;
    }
    let pairs = crate::http_util::parse_params(text.as_bytes(), MAX_BODY).ok()?;
    Some(
        pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}
