//! `POST /token`: the request is parsed and the client authenticated
//! here; each grant has its own file; `issue.rs` mints the tokens.

mod authorization_code;
mod client_credentials;
mod issue;
mod refresh;

use std::time::SystemTime;

use sesame_core::http_util::parse_params;
use sesame_core::protocol::{ErrorCode, GrantType};
use sesame_core::random::Random;

use crate::store::Store;
use crate::{param, AuthorizationServer, OAuthError, MAX_PARAMS_LEN};

pub(crate) use issue::{RefreshToken, TokenGrant};

/// A parsed token request from an authenticated client.
pub(crate) struct TokenRequest<'a> {
    pub(crate) form: &'a [(String, String)],
    pub(crate) client: &'a crate::RegisteredClient,
    /// The thumbprint of the request's DPoP proof key, if it has one.
    pub(crate) jkt: Option<String>,
}

impl TokenRequest<'_> {
    /// The parameter `name`, if given.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        param(self.form, name)
    }

    /// The parameter `name`, or `invalid_request` naming it.
    pub(crate) fn require(&self, name: &str, missing: &'static str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::new(ErrorCode::InvalidRequest, missing))
    }
}

impl AuthorizationServer {
    /// Revokes `family` for as long as its tokens can live (a replayed code,
    /// a reused refresh token, a code presented by another client).
    async fn revoke(
        &self,
        store: &dyn Store,
        family: &str,
        now: SystemTime,
    ) -> Result<(), OAuthError> {
        store
            .revoke_family(family, self.revocation_horizon(now))
            .await
            .map_err(crate::ServerError::from)?;
        Ok(())
    }

    /// `POST /token`: the whole token endpoint as a response (RFC 6749 §5:
    /// JSON, `Cache-Control: no-store`, errors per §5.2). Client
    /// authentication is throttled per [`ServerConfig::throttle`](crate::ServerConfig::throttle)
    /// (429 with `Retry-After`); the client's address is taken from the
    /// request's [`ClientAddr`](crate::ClientAddr) extension, if any.
    pub async fn token(
        &self,
        request: &http::Request<Vec<u8>>,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        if request.method() != http::Method::POST {
            return OAuthError::new(ErrorCode::InvalidRequest, "use POST").to_response();
        }
        let Ok(form) = parse_params(request.body(), MAX_PARAMS_LEN) else {
            return OAuthError::new(
                ErrorCode::InvalidRequest,
                "malformed or repeated parameters",
            )
            .to_response();
        };
        let client = match self
            .authenticate_throttled(
                request,
                crate::client_auth::FormCredentials::of(&form, "/token"),
                store,
                now,
            )
            .await
        {
            Ok(client) => client,
            Err(refusal) => return refusal.to_response(OAuthError::to_response),
        };
        // RFC 9449 §5: a proof binds the tokens to its key.
        let jkt = match self.dpop_proof(request, "/token", None, store, now).await {
            Ok(jkt) => jkt,
            Err(refusal) => return refusal.to_response(),
        };
        if jkt.is_none() && self.dpop_required(client) {
            return OAuthError::new(ErrorCode::InvalidDpopProof, "a DPoP proof is required")
                .to_response();
        }
        let req = TokenRequest {
            form: &form,
            client,
            jkt,
        };
        let mut resp = match self.grant(&req, store, now, rng).await {
            Ok(body) => {
                let mut resp = sesame_core::response::json_response(200, &body);
                resp.headers_mut().insert(
                    http::header::PRAGMA,
                    http::HeaderValue::from_static("no-cache"),
                );
                resp
            }
            Err(e) => e.to_response(),
        };
        if let Some(nonce) = self.dpop_nonce(now) {
            resp.headers_mut()
                .insert(sesame_core::dpop::DPOP_NONCE_HEADER, nonce);
        }
        resp
    }

    /// The grant of an authenticated token request.
    async fn grant(
        &self,
        req: &TokenRequest<'_>,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<serde_json::Value, OAuthError> {
        let Some(grant_type) = req.get("grant_type") else {
            return Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                "grant_type is required",
            ));
        };
        match GrantType::parse(grant_type) {
            Some(GrantType::AuthorizationCode) => {
                self.authorization_code_grant(req, store, now, rng).await
            }
            Some(GrantType::RefreshToken) => self.refresh_token_grant(req, store, now, rng).await,
            Some(GrantType::ClientCredentials) => {
                self.client_credentials_grant(req, store, now, rng).await
            }
            _ => Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "unsupported grant_type",
            )),
        }
    }
}
