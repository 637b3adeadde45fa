//! The `refresh_token` grant (RFC 6749 §6) with rotation: each refresh
//! token is used once; presenting an old one revokes its whole family
//! (RFC 9700 §4.14). The scope may only narrow, and only for the access
//! token: the successor keeps the grant's scope (RFC 6749 §6).
//!
//! A token names its family (`<family>.<random>`), so the store consumes
//! it and saves its successor in one atomic step
//! ([`Store::rotate_refresh`]); a token from before that is taken, then
//! its successor saved.

use std::time::SystemTime;

use serde_json::Value;
use sesame_core::protocol::ErrorCode;
use sesame_core::random::Random;

use super::{RefreshToken, TokenGrant, TokenRequest};
use crate::store::{family_of_refresh_key, RefreshGrant, RefreshTake, Store};
use crate::{new_family_token, store_key, AuthorizationServer, OAuthError, ServerError};

impl AuthorizationServer {
    pub(super) async fn refresh_token_grant(
        &self,
        req: &TokenRequest<'_>,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Value, OAuthError> {
        let token = req.require("refresh_token", "refresh_token is required")?;
        let refused = |d| OAuthError::new(ErrorCode::InvalidGrant, d);
        let key = store_key(token);
        let until = now + self.config.refresh_token_ttl;
        let (taken, successor) = match family_of_refresh_key(&key) {
            Some(family) => {
                let successor = new_family_token(family, rng)?;
                let taken = store
                    .rotate_refresh(&key, &store_key(&successor), until, now)
                    .await;
                (taken, Some(successor))
            }
            None => (store.take_refresh(&key, now).await, None),
        };
        let grant = match taken.map_err(ServerError::from)? {
            RefreshTake::Current(g) => g,
            RefreshTake::Reused(family) => {
                crate::audit::emit(
                    sesame_core::audit::AuditEvent::RefreshTokenReuse,
                    Some(&req.client.id),
                );
                self.revoke(store, &family, now).await?;
                return Err(refused("refresh token reused; the family is revoked"));
            }
            RefreshTake::Missing => {
                return Err(refused("unknown, expired or revoked refresh token"))
            }
        };
        if grant.client_id != req.client.id {
            return Err(refused("refresh token was issued to another client"));
        }
        // RFC 9449 §5: a public client's refresh token is bound to its key.
        if let Some(bound) = &grant.dpop_jkt {
            if req.jkt.as_deref() != Some(bound.as_str()) {
                return Err(refused("the refresh token is bound to another DPoP key"));
            }
        }
        let successor = match successor {
            Some(token) => token,
            None => {
                let token = new_family_token(&grant.family, rng)?;
                let record = RefreshGrant {
                    expires_at: until,
                    ..grant.clone()
                };
                store
                    .save_refresh(&store_key(&token), record)
                    .await
                    .map_err(ServerError::from)?;
                token
            }
        };
        let mut scopes = grant.scopes;
        if let Some(scope) = req.get("scope") {
            let narrowed = sesame_core::scope::parse(scope);
            if !narrowed.iter().all(|s| scopes.contains(s)) {
                return Err(OAuthError::new(
                    ErrorCode::InvalidScope,
                    "scope exceeds the original grant",
                ));
            }
            scopes = narrowed;
        }
        let issued = TokenGrant {
            family: grant.family,
            client_id: grant.client_id,
            subject: grant.subject,
            scopes,
            claims: grant.claims,
            jkt: req.jkt.clone(),
            bind_refresh: !req.client.is_confidential(),
        };
        self.issue(
            issued,
            None,
            RefreshToken::Saved(successor),
            store,
            now,
            rng,
        )
        .await
    }
}
