//! The `authorization_code` grant (RFC 6749 §4.1.3) with PKCE (RFC 7636):
//! single use, the first redemption wins; a replay revokes what the first
//! one issued (RFC 6749 §4.1.2).

use std::time::SystemTime;

use serde_json::Value;
use sesame_core::protocol::ErrorCode;
use sesame_core::random::Random;

use super::{RefreshToken, TokenGrant, TokenRequest};
use crate::store::{CodeTake, Store};
use crate::{sha256_b64, AuthorizationServer, OAuthError, ServerError};

impl AuthorizationServer {
    pub(super) async fn authorization_code_grant(
        &self,
        req: &TokenRequest<'_>,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Value, OAuthError> {
        let code = req.require("code", "code is required")?;
        let redirect_uri = req.require("redirect_uri", "redirect_uri is required")?;
        let verifier = req.require("code_verifier", "code_verifier is required")?;
        let refused = |d| OAuthError::new(ErrorCode::InvalidGrant, d);
        let grant = match store
            .take_code(&sha256_b64(code), now)
            .await
            .map_err(ServerError::from)?
        {
            CodeTake::Fresh(g) => g,
            CodeTake::Replayed(family) => {
                crate::audit::emit(
                    sesame_core::audit::AuditEvent::CodeReplay,
                    Some(&req.client.id),
                );
                self.revoke(store, &family, now).await?;
                return Err(refused("code already used; its tokens are revoked"));
            }
            CodeTake::Missing => return Err(refused("unknown or expired code")),
        };
        if grant.client_id != req.client.id {
            self.revoke(store, &grant.family, now).await?;
            return Err(refused("code was issued to another client"));
        }
        if grant.redirect_uri != redirect_uri {
            return Err(refused("redirect_uri does not match"));
        }
        if !sesame_core::pkce::verify_s256(verifier, &grant.code_challenge) {
            return Err(refused("code_verifier does not match"));
        }
        // RFC 9449 §10: a code bound with dpop_jkt needs a proof of that key.
        if let Some(bound) = &grant.dpop_jkt {
            if req.jkt.as_deref() != Some(bound.as_str()) {
                return Err(refused("the DPoP proof's key is not the code's dpop_jkt"));
            }
        }
        let nonce = grant.nonce.clone();
        let issued = TokenGrant {
            family: grant.family,
            client_id: grant.client_id,
            subject: grant.subject,
            scopes: grant.scopes,
            claims: grant.claims,
            jkt: req.jkt.clone(),
            bind_refresh: !req.client.is_confidential(),
        };
        let refresh = RefreshToken::New(now + self.config.refresh_token_ttl);
        self.issue(issued, nonce.as_deref(), refresh, store, now, rng)
            .await
    }
}
