//! Minting tokens: an RFC 9068 access token (`typ: at+jwt`), an ID token
//! when `openid` was granted, and a rotated refresh token when asked for.
//! The app's claims never override a reserved claim.

use std::time::SystemTime;

use serde_json::{json, Map, Value};
use sesame_core::jose::SigningKey;
use sesame_core::random::{random_b64, Random};
use sesame_core::InternalError;

use crate::store::{RefreshGrant, Store};
use crate::{
    new_family_token, store_key, AuthorizationServer, OAuthError, ServerError, RESERVED_CLAIMS,
};

/// The refresh token of an issuance.
#[derive(Debug)]
pub(crate) enum RefreshToken {
    /// None (client_credentials).
    None,
    /// A new one, valid until then, saved by [`AuthorizationServer::issue`].
    New(SystemTime),
    /// One the store has saved already: a rotation's successor, or the
    /// first of a family, saved as its code was redeemed.
    Saved(String),
}

/// What the tokens of one issuance say: whose, for which client, which
/// scopes, the app's claims, and the family they belong to (for revocation).
#[derive(Debug, Clone)]
pub(crate) struct TokenGrant {
    pub(crate) family: String,
    pub(crate) client_id: String,
    pub(crate) subject: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) claims: Map<String, Value>,
    /// The DPoP key the access token is bound to (`cnf.jkt`).
    pub(crate) jkt: Option<String>,
    /// Whether the refresh token is bound to that key too (public
    /// clients, RFC 9449 §5).
    pub(crate) bind_refresh: bool,
}

impl AuthorizationServer {
    /// Issues the tokens of `grant` and its refresh token: a new one is
    /// saved by its key, a rotated one is already saved.
    pub(super) async fn issue(
        &self,
        grant: TokenGrant,
        nonce: Option<&str>,
        refresh: RefreshToken,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Value, OAuthError> {
        let scope = sesame_core::scope::join(&grant.scopes);
        let (access_token, id_token) = self.sign_tokens(&grant, &scope, nonce, now, rng)?;
        crate::audit::emit(
            sesame_core::audit::AuditEvent::TokenIssued,
            Some(&grant.client_id),
        );
        let mut body = Map::new();
        body.insert("access_token".into(), json!(access_token));
        let token_type = if grant.jkt.is_some() {
            "DPoP"
        } else {
            "Bearer"
        };
        body.insert("token_type".into(), json!(token_type));
        body.insert(
            "expires_in".into(),
            json!(self.config.access_token_ttl.as_secs()),
        );
        body.insert("scope".into(), json!(scope));
        match refresh {
            RefreshToken::None => {}
            RefreshToken::Saved(token) => {
                body.insert("refresh_token".into(), json!(token));
            }
            RefreshToken::New(expires_at) => {
                let refresh = new_family_token(&grant.family, rng)?;
                let record = RefreshGrant {
                    family: grant.family,
                    client_id: grant.client_id,
                    subject: grant.subject,
                    scopes: grant.scopes,
                    claims: grant.claims,
                    expires_at,
                    dpop_jkt: grant.jkt.filter(|_| grant.bind_refresh),
                };
                store
                    .save_refresh(&store_key(&refresh), record)
                    .await
                    .map_err(ServerError::from)?;
                body.insert("refresh_token".into(), json!(refresh));
            }
        }
        if let Some(id) = id_token {
            body.insert("id_token".into(), json!(id));
        }
        Ok(Value::Object(body))
    }

    /// The signed access token and, when `openid` was granted, ID token.
    fn sign_tokens(
        &self,
        grant: &TokenGrant,
        scope: &str,
        nonce: Option<&str>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<(String, Option<String>), ServerError> {
        let t = sesame_core::time::unix_seconds(now);
        let jti = random_b64(rng, 16)?;
        let mut at = app_claims(&grant.claims);
        for (k, v) in [
            ("iss", json!(self.config.issuer)),
            ("sub", json!(grant.subject)),
            ("aud", json!(self.config.audience)),
            ("exp", json!(t + self.config.access_token_ttl.as_secs())),
            ("iat", json!(t)),
            ("jti", json!(jti)),
            ("client_id", json!(grant.client_id)),
            ("scope", json!(scope)),
            ("sid", json!(grant.family)),
        ] {
            at.insert(k.into(), v);
        }
        if let Some(jkt) = &grant.jkt {
            at.insert("cnf".into(), sesame_core::dpop::cnf_claim(jkt));
        }
        let ring = self.keys.read();
        let key = ring
            .active_for(self.config.access_token_alg)
            .or_else(|| ring.first_active())
            .ok_or(InternalError::Sign)?;
        let access_token = sign(key, "at+jwt", &at)?;
        if !grant.scopes.iter().any(|s| s == "openid") {
            return Ok((access_token, None));
        }
        // The client's algorithm if it chose one (then only that one), else
        // the server's default, else — a one-key server — its only key.
        let client_alg = self.client(&grant.client_id).and_then(|c| c.id_token_alg);
        let id_key = match client_alg {
            Some(alg) => ring.active_for(alg),
            None => ring
                .active_for(self.config.id_token_alg)
                .or_else(|| ring.first_active()),
        }
        .ok_or(InternalError::Sign)?;
        let mut id = app_claims(&grant.claims);
        for (k, v) in [
            ("iss", json!(self.config.issuer)),
            ("sub", json!(grant.subject)),
            ("aud", json!(grant.client_id)),
            ("exp", json!(t + self.config.id_token_ttl.as_secs())),
            ("iat", json!(t)),
            (
                "at_hash",
                json!(sesame_core::idtoken::token_hash(
                    id_key.algorithm(),
                    &access_token
                )),
            ),
        ] {
            id.insert(k.into(), v);
        }
        if let Some(n) = nonce {
            id.insert("nonce".into(), json!(n));
        }
        let id_token = sign(id_key, "JWT", &id)?;
        Ok((access_token, Some(id_token)))
    }
}

fn sign(key: &SigningKey, typ: &str, claims: &Map<String, Value>) -> Result<String, ServerError> {
    key.sign_claims(Some(typ), claims)
        .map_err(|_| ServerError::Internal(InternalError::Sign))
}

/// The app's claims without reserved names.
pub(crate) fn app_claims(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .filter(|(k, _)| !RESERVED_CLAIMS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
