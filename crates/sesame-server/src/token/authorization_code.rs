//! The `authorization_code` grant (RFC 6749 §4.1.3) with PKCE (RFC 7636):
//! single use, the first redemption wins; a replay revokes what the first
//! one issued (RFC 6749 §4.1.2), and so does a refused redemption.

use std::time::SystemTime;

use serde_json::Value;
use sesame_core::protocol::ErrorCode;
use sesame_core::random::Random;

use super::{RefreshToken, TokenGrant, TokenRequest};
use crate::store::{family_of_refresh_key, CodeGrant, CodeTake, FirstRefresh, Store};
use crate::{new_family_token, store_key, AuthorizationServer, OAuthError, ServerError};

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
        let key = store_key(code);
        let refresh_until = now + self.config.refresh_token_ttl;
        // A code names the family its redemption starts: its first refresh
        // token is saved as the code is taken, in one step, and the family
        // is revoked if a check below refuses the redemption. A code from
        // before codes named their family gets its refresh token saved
        // after the checks.
        let first = match family_of_refresh_key(&key) {
            Some(family) => {
                let token = new_family_token(family, rng)?;
                let first = FirstRefresh {
                    key: store_key(&token),
                    expires_at: refresh_until,
                    dpop_jkt: req.jkt.clone().filter(|_| !req.client.is_confidential()),
                };
                Some((token, first))
            }
            None => None,
        };
        let taken = match &first {
            Some((_, first)) => store.redeem_code(&key, first, now).await,
            None => store.take_code(&key, now).await,
        };
        let grant = match taken.map_err(ServerError::from)? {
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
        if let Some(refusal) = check(&grant, req, redirect_uri, verifier) {
            // The code is spent either way; revoking its family also kills
            // the refresh token saved with it (never handed out).
            self.revoke(store, &grant.family, now).await?;
            return Err(refused(refusal));
        }
        let nonce = grant.nonce.clone();
        let refresh = match first {
            // The grant is the family's: a key naming another family would
            // be a store's mistake.
            Some((token, _)) if family_of_refresh_key(&token) == Some(grant.family.as_str()) => {
                RefreshToken::Saved(token)
            }
            Some(_) => return Err(ServerError::from(crate::store::StoreError).into()),
            None => RefreshToken::New(refresh_until),
        };
        let issued = TokenGrant {
            family: grant.family,
            client_id: grant.client_id,
            subject: grant.subject,
            scopes: grant.scopes,
            claims: grant.claims,
            jkt: req.jkt.clone(),
            bind_refresh: !req.client.is_confidential(),
        };
        self.issue(issued, nonce.as_deref(), refresh, store, now, rng)
            .await
    }
}

/// Why a fresh code's redemption is refused, if it is: another client's
/// code, another redirect URI, a PKCE verifier that does not match, or
/// (RFC 9449 §10) a code bound with `dpop_jkt` redeemed without a proof of
/// that key.
fn check(
    grant: &CodeGrant,
    req: &TokenRequest<'_>,
    redirect_uri: &str,
    verifier: &str,
) -> Option<&'static str> {
    if grant.client_id != req.client.id {
        return Some("code was issued to another client");
    }
    if grant.redirect_uri != redirect_uri {
        return Some("redirect_uri does not match");
    }
    if !sesame_core::pkce::verify_s256(verifier, &grant.code_challenge) {
        return Some("code_verifier does not match");
    }
    if let Some(bound) = &grant.dpop_jkt {
        if req.jkt.as_deref() != Some(bound.as_str()) {
            return Some("the DPoP proof's key is not the code's dpop_jkt");
        }
    }
    None
}
