//! Pushed authorization requests (RFC 9126) on the client side: the
//! authorization request goes to the provider's
//! `pushed_authorization_request_endpoint` first, authenticated like a
//! token request; the browser then carries only `client_id` and the
//! `request_uri` the provider answered with.
//!
//! Whether a login pushes is decided per provider from its metadata
//! ([`Client::pushes`]): always when it sets
//! `require_pushed_authorization_requests`, and by default whenever it
//! advertises the endpoint ([`PushMode`]).

use std::time::SystemTime;

use serde_json::{Map, Value};

use super::authorize::Authorization;
use super::dpop::Prover;
use super::Client;
use crate::discovery::ProviderMetadata;
use crate::error::{LoginError, ProviderError};
use crate::http_util::MAX_BODY;
use crate::protocol::Endpoint;
use crate::random::Random;
use crate::step::Outgoing;

/// When a login pushes its authorization request (RFC 9126).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PushMode {
    /// Whenever the provider advertises a
    /// `pushed_authorization_request_endpoint` (the default: the request's
    /// parameters then never pass through the browser).
    #[default]
    WhenAdvertised,
    /// Only when the provider requires it
    /// (`require_pushed_authorization_requests`).
    WhenRequired,
    /// Always (FAPI 2.0): a provider without the endpoint is
    /// [`ProviderError::NoPushEndpoint`].
    Always,
}

impl Client {
    /// Whether a login at the provider described by `metadata` pushes its
    /// authorization request: when the provider requires it, or (with the
    /// default [`PushMode::WhenAdvertised`]) when it offers it.
    pub fn pushes(&self, metadata: &ProviderMetadata) -> bool {
        metadata.require_pushed_authorization_requests
            || self.config.push_mode == PushMode::Always
            || (self.config.push_mode == PushMode::WhenAdvertised
                && metadata.pushed_authorization_request_endpoint.is_some())
    }

    /// The pushed authorization request for a begun login: its parameters
    /// POSTed to the provider's endpoint with the client's authentication
    /// (the same as at the token endpoint: secret, `private_key_jwt`, or
    /// `client_id` alone for a public client) and, when the client uses
    /// DPoP, a proof whose `jti` is drawn from `rng` (RFC 9449 §10.1; the
    /// provider then binds the code to the key). Nothing is drawn without
    /// DPoP. [`LoginService::begin`](crate::login::LoginService::begin)
    /// also retries a `use_dpop_nonce` refusal.
    pub fn push_request(
        &self,
        metadata: &ProviderMetadata,
        authorization: &Authorization,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Outgoing, LoginError> {
        let key = self.dpop_key_for(authorization.pending.dpop_key.as_ref());
        let mut prover = Prover::for_key(key, rng)?;
        self.push_with(metadata, &authorization.params, now, prover.as_mut())
    }

    /// The pushed request with `params`, and a proof from `prover`.
    pub(crate) fn push_with(
        &self,
        metadata: &ProviderMetadata,
        params: &[(String, String)],
        now: SystemTime,
        prover: Option<&mut Prover>,
    ) -> Result<Outgoing, LoginError> {
        let endpoint = metadata
            .pushed_authorization_request_endpoint
            .as_ref()
            .ok_or(ProviderError::NoPushEndpoint)?;
        let proof = prover
            .map(|p| p.proof(&http::Method::POST, endpoint, now, None))
            .transpose()?;
        let fields = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.authenticated_request(
            metadata,
            Endpoint::PushedAuthorization,
            endpoint,
            fields,
            now,
            proof.as_deref(),
        )
    }
}

/// The provider's answer to a pushed authorization request (RFC 9126 §2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequest {
    /// The reference the browser carries to the authorization endpoint.
    pub request_uri: String,
    /// How long it can be used, in seconds.
    pub expires_in: u64,
}

impl PushedRequest {
    /// Reads the endpoint's answer: `201` (or any 2xx) with `request_uri`
    /// and `expires_in`; an OAuth error (RFC 9126 §2.3) is
    /// [`ProviderError::PushRefused`].
    pub fn from_response(response: &http::Response<Vec<u8>>) -> Result<Self, LoginError> {
        let malformed = |reason| {
            LoginError::Provider(ProviderError::MalformedResponse {
                endpoint: Endpoint::PushedAuthorization,
                reason,
            })
        };
        let body = response.body();
        if body.len() > MAX_BODY {
            return Err(malformed("body too large"));
        }
        let map: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
        if let Some(m) = &map {
            if let Some(error) = m.get("error") {
                let (error, description) =
                    crate::tokens::error_fields(error, m.get("error_description"));
                return Err(ProviderError::PushRefused { error, description }.into());
            }
        }
        if !response.status().is_success() {
            return Err(ProviderError::Status {
                endpoint: Endpoint::PushedAuthorization,
                status: response.status().as_u16(),
            }
            .into());
        }
        let map = map.ok_or_else(|| malformed("not json"))?;
        let request_uri = match map.get("request_uri") {
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 4096 => s.clone(),
            _ => return Err(malformed("no request_uri")),
        };
        let expires_in = map
            .get("expires_in")
            .and_then(Value::as_u64)
            .filter(|n| *n > 0)
            .ok_or_else(|| malformed("no expires_in"))?;
        Ok(Self {
            request_uri,
            expires_in,
        })
    }
}
