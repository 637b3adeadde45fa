//! `private_key_jwt` client authentication (RFC 7523 §2.2 and §3, OpenID
//! Connect Core §9): the client signs a short-lived JWT with a key whose
//! public half is registered ([`RegisteredClient::private_key_jwt`]) or
//! published at the client's `jwks_uri`
//! ([`RegisteredClient::private_key_jwt_uri`], fetched and cached as
//! `client_keys.rs` says); no secret is shared.
//!
//! Rules, in order: the assertion type is RFC 7523's; the header's `alg`
//! is asymmetric (never `none` or HMAC); `iss` = `sub` = the client id
//! (and the form's `client_id`, if sent) and a `private_key_jwt` client;
//! `aud` is the issuer identifier (RFC 7523bis;
//! the called endpoint's URL is accepted too unless
//! [`ServerConfig::strict_assertion_audience`](crate::ServerConfig::strict_assertion_audience)
//! is set, as the FAPI 2.0 profile does); `exp` is present, not past and
//! at most [`MAX_ASSERTION_LIFETIME`] ahead; `iat`, if present, not in the
//! future; `jti` is present; last (so that no junk assertion makes the
//! server fetch keys), the signature verifies with one of the client's
//! keys. The `jti` is then recorded in the store until
//! the assertion expires (`client_auth.rs`), so that it cannot be replayed
//! on any instance.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use sesame_core::jose::{self, Algorithm};

use crate::client_auth::AuthFailure;
use crate::{AuthorizationServer, OAuthError, RegisteredClient};

/// The `client_assertion_type` of a JWT client assertion.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The longest a client assertion may live (its `exp` from now): the
/// replay cache holds each `jti` that long.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::from_secs(600);

/// Clock skew allowed on `exp` and `iat`.
const LEEWAY: u64 = 60;

/// The algorithms a client assertion may use.
pub(crate) const ASSERTION_ALGORITHMS: &[Algorithm] = &[
    Algorithm::ES256,
    Algorithm::EdDSA,
    Algorithm::RS256,
    Algorithm::PS256,
];

/// A verified assertion: its client, and what the replay cache must hold.
pub(crate) struct CheckedAssertion<'a> {
    pub(crate) client: &'a RegisteredClient,
    /// The replay-cache key of the assertion's `jti`.
    pub(crate) replay_key: String,
    /// Until when (its `exp` plus leeway).
    pub(crate) until: SystemTime,
}

impl AuthorizationServer {
    /// Checks a client assertion sent to `endpoint` (`/token`, `/par`, …).
    /// The claims are checked before the signature, so that an assertion
    /// that could never pass does not make the server fetch a client's
    /// `jwks_uri`.
    pub(crate) async fn check_assertion(
        &self,
        assertion_type: Option<&str>,
        assertion: &str,
        body_id: Option<&str>,
        endpoint: &str,
        now: SystemTime,
    ) -> Result<CheckedAssertion<'_>, AuthFailure> {
        let refused = || AuthFailure::from(OAuthError::invalid_client(false));
        if assertion_type != Some(CLIENT_ASSERTION_TYPE) {
            return Err(refused());
        }
        if assertion.len() > 8 * 1024 {
            return Err(refused());
        }
        let header = jose::Header::peek(assertion).map_err(|_| refused())?;
        if !ASSERTION_ALGORITHMS.contains(&header.alg) {
            return Err(refused());
        }
        let claims = jose::unverified_claims(assertion).map_err(|_| refused())?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        let subject = text("sub").ok_or_else(refused)?;
        if text("iss") != Some(subject) || body_id.is_some_and(|id| id != subject) {
            return Err(refused());
        }
        let client = self.client(subject).ok_or_else(refused)?;
        if !client.uses_private_key_jwt() {
            return Err(refused());
        }

        let issuer = self.config.issuer.as_str();
        let endpoint_url = format!("{issuer}{endpoint}");
        let audience_ok = match claims.get("aud") {
            Some(Value::String(aud)) => {
                aud == issuer || (!self.config.strict_assertion_audience && *aud == endpoint_url)
            }
            _ => false,
        };
        if !audience_ok {
            return Err(refused());
        }
        let t = sesame_core::time::unix_seconds(now);
        let exp = claims
            .get("exp")
            .and_then(Value::as_u64)
            .ok_or_else(refused)?;
        if t >= exp.saturating_add(LEEWAY) || exp > t + MAX_ASSERTION_LIFETIME.as_secs() {
            return Err(refused());
        }
        if claims
            .get("iat")
            .is_some_and(|iat| iat.as_u64().is_none_or(|iat| iat > t + LEEWAY))
        {
            return Err(refused());
        }
        let jti = text("jti")
            .filter(|j| !j.is_empty() && j.len() <= 256)
            .ok_or_else(refused)?;

        self.verify_assertion(client, assertion, header.kid.as_deref(), now)
            .await?;
        Ok(CheckedAssertion {
            client,
            replay_key: crate::sha256_b64(&format!(
                "sesame/client-assertion/v1|{}|{}|{jti}",
                client.id.len(),
                client.id
            )),
            until: sesame_core::time::from_unix(exp.saturating_add(LEEWAY)),
        })
    }

    /// Verifies the assertion's signature with the client's keys: those
    /// registered, or those at its `jwks_uri` (cached; an unknown `kid`
    /// refetches them once, rate-limited).
    async fn verify_assertion(
        &self,
        client: &RegisteredClient,
        assertion: &str,
        kid: Option<&str>,
        now: SystemTime,
    ) -> Result<(), AuthFailure> {
        let refused = || AuthFailure::from(OAuthError::invalid_client(false));
        if let Some(keys) = &client.jwks {
            return jose::verify(assertion, keys, ASSERTION_ALGORITHMS)
                .map(drop)
                .map_err(|_| refused());
        }
        let Some(uri) = &client.jwks_uri else {
            return Err(refused());
        };
        let Some(fetcher) = self.config.client_keys_fetcher.as_deref() else {
            tracing::warn!(
                client_id = %client.id,
                "client registered by jwks_uri but no client keys fetcher is configured"
            );
            return Err(AuthFailure::KeysUnavailable);
        };
        let fetch = |force| {
            self.client_keys
                .keys(fetcher, &client.id, uri, kid, force, now)
        };
        let keys = fetch(false)
            .await
            .map_err(|_| AuthFailure::KeysUnavailable)?;
        if jose::verify(assertion, &keys, ASSERTION_ALGORITHMS).is_ok() {
            return Ok(());
        }
        // Without a kid, a new key shows only as a failed signature: ask
        // for a refetch (rate-limited like an unknown kid).
        if kid.is_none() {
            if let Ok(fresh) = fetch(true).await {
                if !Arc::ptr_eq(&fresh, &keys)
                    && jose::verify(assertion, &fresh, ASSERTION_ALGORITHMS).is_ok()
                {
                    return Ok(());
                }
            }
        }
        Err(refused())
    }
}
