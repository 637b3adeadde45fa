//! The `client_credentials` grant (RFC 6749 §4.4): a confidential client
//! acting for itself; an access token only, no refresh token.

use std::time::SystemTime;

use serde_json::{Map, Value};
use sesame_core::protocol::ErrorCode;
use sesame_core::random::{random_b64, Random};

use super::{RefreshToken, TokenGrant, TokenRequest};
use crate::store::Store;
use crate::{AuthorizationServer, OAuthError, ServerError};

impl AuthorizationServer {
    pub(super) async fn client_credentials_grant(
        &self,
        req: &TokenRequest<'_>,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Value, OAuthError> {
        let client = req.client;
        if !client.is_confidential() {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "public clients cannot use client_credentials",
            ));
        }
        let scopes = sesame_core::scope::parse(req.get("scope").unwrap_or(""));
        let allowed = |s: &String| {
            self.config.scopes.contains(s)
                && (client.scopes.is_empty() || client.scopes.contains(s))
        };
        if !scopes.iter().all(allowed) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                "a requested scope is not allowed",
            ));
        }
        let issued = TokenGrant {
            family: random_b64(rng, 16).map_err(ServerError::from)?,
            client_id: client.id.clone(),
            subject: client.id.clone(),
            scopes,
            claims: Map::new(),
            jkt: req.jkt.clone(),
            bind_refresh: false,
        };
        self.issue(issued, None, RefreshToken::None, store, now, rng)
            .await
    }
}
