//! RFC 7662 introspection, with a short bounded cache.

use std::time::{Duration, SystemTime};

use serde_json::Value;
use url::Url;

use super::{AccessClaims, BearerError};
use crate::ttl_map::TtlMap;

/// RFC 7662 introspection for opaque tokens (or any token an issuer
/// prefers to vouch for itself), with a short, bounded cache.
///
/// Sans-IO: [`Introspector::cached`] answers from the cache;
/// otherwise the driver sends [`Introspector::request`] and hands the
/// answer to [`Introspector::on_response`]. An active answer is cached for
/// at most `ttl` (default 30 s) and never past the token's `exp`; an
/// inactive one for at most `ttl` too. Tokens are cached by their SHA-256,
/// so the cache holds no usable secret.
#[derive(Debug)]
pub struct Introspector {
    endpoint: Url,
    client_id: String,
    client_secret: crate::Secret,
    ttl: Duration,
    cache: TtlMap<Option<AccessClaims>>,
}

impl Introspector {
    /// Introspection at `endpoint`, authenticating as a confidential client.
    pub fn new(endpoint: Url, client_id: &str, client_secret: &str) -> Self {
        Self {
            endpoint,
            client_id: client_id.to_owned(),
            client_secret: crate::Secret::new(client_secret),
            ttl: Duration::from_secs(30),
            cache: TtlMap::new(10_000),
        }
    }

    /// Sets the cache lifetime (capped at 5 minutes) and size.
    pub fn cache(mut self, ttl: Duration, capacity: usize) -> Self {
        self.ttl = ttl.min(Duration::from_secs(300));
        self.cache = TtlMap::new(capacity);
        self
    }

    fn key(token: &str) -> String {
        crate::base64url::encode(crate::crypto::sha256(token.as_bytes()))
    }

    /// The cached answer for `token`, if any is still fresh.
    pub fn cached(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Option<Result<AccessClaims, BearerError>> {
        let claims = self
            .cache
            .get(&Self::key(token), crate::time::unix_seconds(now))?;
        Some(claims.ok_or(BearerError::InvalidToken("inactive")))
    }

    /// The introspection request for `token` (`client_secret_basic`).
    pub fn request(&self, token: &str) -> http::Request<Vec<u8>> {
        let mut auth = http::HeaderValue::from_str(&crate::http_util::basic_auth(
            &self.client_id,
            self.client_secret.expose(),
        ))
        .unwrap_or_else(|_| http::HeaderValue::from_static(""));
        auth.set_sensitive(true);
        let body =
            crate::http_util::form_encode([("token", token), ("token_type_hint", "access_token")]);
        crate::http_util::request(
            http::Method::POST,
            &self.endpoint,
            &[(http::header::AUTHORIZATION, auth)],
            Some(("application/x-www-form-urlencoded", body)),
        )
    }

    /// Reads the introspection answer for `token` and caches it.
    pub fn on_response(
        &self,
        token: &str,
        response: &http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<AccessClaims, BearerError> {
        let n = crate::time::unix_seconds(now);
        if !response.status().is_success() {
            return Err(BearerError::InvalidToken("introspection failed"));
        }
        let body = crate::http_util::json_object(response.body())
            .ok_or(BearerError::InvalidToken("introspection malformed"))?;
        let active = body.get("active").and_then(Value::as_bool) == Some(true);
        let exp = crate::idtoken::numeric_date(&body, "exp").ok().flatten();
        let refresh = body.get("token_type").and_then(Value::as_str) == Some("refresh_token");
        let result = match (
            active && !refresh,
            exp,
            body.get("sub").and_then(Value::as_str),
        ) {
            (true, Some(exp), Some(sub)) if n < exp => Ok(AccessClaims {
                issuer: body
                    .get("iss")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                subject: sub.to_owned(),
                scopes: body
                    .get("scope")
                    .and_then(Value::as_str)
                    .map(crate::scope::parse)
                    .unwrap_or_default(),
                client_id: body
                    .get("client_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                expires_at: crate::time::from_unix(exp),
                key_bound: crate::dpop::is_bound(&body),
                claims: body.clone().into(),
            }),
            _ => Err(BearerError::InvalidToken("inactive")),
        };
        let ttl_end = n.saturating_add(self.ttl.as_secs());
        let until = match &result {
            Ok(c) => ttl_end.min(crate::time::unix_seconds(c.expires_at)),
            Err(_) => ttl_end,
        };
        self.cache
            .insert(Self::key(token), result.clone().ok(), until, n);
        result
    }
}
