//! The token-response and ID-token phase shared by logins and refreshes.

use std::sync::Arc;
use std::time::SystemTime;

use super::config::ClientSecret;
use super::dpop::Prover;
use super::Client;
use crate::discovery::ProviderMetadata;
use crate::error::{ConfigError, LoginError, ProviderError, UsageError};
use crate::idtoken::{IdTokenError, IdTokenValidator, IssuerRule};
use crate::jose::{Header, JoseError, JwkSet};
use crate::step::{KeyRequest, Outgoing};
use crate::tokens::{self, Grant, Tokens};

/// The shared token-response and ID-token phase of logins and refreshes.
pub(super) struct TokenPhase {
    pub(super) client: Client,
    pub(super) metadata: Arc<ProviderMetadata>,
    grant: Grant,
    nonce: Option<String>,
    expected_subject: Option<String>,
    pub(super) expected_issuer: Option<IssuerRule>,
    pub(super) pending: Option<(Tokens, String, Option<String>, bool)>,
    /// The token request's fields, to send it again with a DPoP nonce.
    fields: Vec<(String, String)>,
    /// The exchange's DPoP proofs, when the client uses DPoP.
    pub(super) prover: Option<Prover>,
    /// Whether the token request was already sent again with a nonce.
    nonce_retried: bool,
    /// The login's own DPoP key, handed on with the tokens.
    pub(super) login_key: Option<crate::dpop::LoginKey>,
}

pub(super) enum TokenOutcome {
    /// Send the token request again (with the provider's DPoP nonce).
    Send(Outgoing),
    Keys(KeyRequest),
    Ready(Tokens),
}

impl TokenPhase {
    pub(super) fn new(
        client: Client,
        metadata: Arc<ProviderMetadata>,
        grant: Grant,
        nonce: Option<String>,
        expected_subject: Option<String>,
        fields: Vec<(String, String)>,
        prover: Option<Prover>,
    ) -> Self {
        let expected_issuer = client.expected_issuer(&metadata);
        Self {
            client,
            metadata,
            grant,
            nonce,
            expected_subject,
            expected_issuer,
            pending: None,
            fields,
            prover,
            nonce_retried: false,
            login_key: None,
        }
    }

    /// The token request (again, after a nonce refusal), with a fresh
    /// DPoP proof when the client uses DPoP.
    pub(super) fn request(&mut self, now: SystemTime) -> Result<Outgoing, LoginError> {
        self.client
            .token_request(&self.metadata, &self.fields, now, self.prover.as_mut())
    }

    pub(super) fn on_token_response(
        &mut self,
        response: &http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<TokenOutcome, LoginError> {
        if let Some(prover) = self.prover.as_mut() {
            let nonce = crate::dpop::response_nonce(response.headers());
            prover.remember(&self.metadata.token_endpoint, nonce);
            // RFC 9449 §8: one retry with the nonce; a second refusal is
            // the provider's answer.
            if !self.nonce_retried && crate::dpop::nonce_retry(response).is_some() {
                self.nonce_retried = true;
                return Ok(TokenOutcome::Send(self.request(now)?));
            }
        }
        let dpop = self.prover.is_some();
        let mut tokens = tokens::parse(response, now, self.client.scopes(), dpop)?;
        tokens.dpop_key = self.login_key.clone();
        // The code or refresh token is spent: forget it.
        self.fields.clear();
        let Some(id_token) = tokens.id_token.as_ref().map(|t| t.expose().to_owned()) else {
            if self.client.provider.openid && self.grant == Grant::AuthorizationCode {
                return Err(ProviderError::MissingIdToken.into());
            }
            return Ok(TokenOutcome::Ready(tokens));
        };
        let (Some(_), Some(jwks_uri)) = (&self.expected_issuer, self.metadata.jwks_uri.clone())
        else {
            if self.client.provider.openid {
                return Err(ConfigError::CannotValidateIdToken.into());
            }
            // A plain OAuth 2.0 provider sent an ID token it cannot be checked
            // against: keep the raw token, expose no claims.
            return Ok(TokenOutcome::Ready(tokens));
        };
        let header =
            Header::peek(&id_token).map_err(|e| ProviderError::IdToken(IdTokenError::Jose(e)))?;
        if header.alg == crate::jose::Algorithm::HS256
            && self.client.provider.id_token_hs256_with_client_secret
        {
            if let Some(ClientSecret::Static(secret)) = &self.client.config.client_secret {
                let key = crate::jose::VerifyingKey::hmac(secret.expose().as_bytes(), None);
                self.pending = Some((tokens, id_token, header.kid, true));
                return self.on_keys(&JwkSet::from_keys(vec![key]), now);
            }
        }
        let request = KeyRequest {
            jwks_uri,
            kid: header.kid.clone(),
            refresh: false,
        };
        self.pending = Some((tokens, id_token, header.kid, false));
        Ok(TokenOutcome::Keys(request))
    }

    pub(super) fn on_keys(
        &mut self,
        keys: &JwkSet,
        now: SystemTime,
    ) -> Result<TokenOutcome, LoginError> {
        let (mut tokens, id_token, kid, refreshed) =
            self.pending.take().ok_or(UsageError::OutOfOrder)?;
        let validator = IdTokenValidator {
            issuer: self
                .expected_issuer
                .clone()
                .ok_or(ConfigError::CannotValidateIdToken)?,
            client_id: self.client.config.client_id.clone(),
            nonce: self.nonce.clone(),
            expected_subject: self.expected_subject.clone(),
            algorithms: self.client.provider.id_token_algorithms.clone(),
            leeway: self.client.config.leeway,
        };
        match validator.validate(&id_token, keys, now, Some(tokens.access_token.expose())) {
            Ok(claims) => {
                tokens.id_token_claims = Some(claims);
                Ok(TokenOutcome::Ready(tokens))
            }
            Err(IdTokenError::Jose(JoseError::UnknownKey)) if !refreshed => {
                let jwks_uri = self
                    .metadata
                    .jwks_uri
                    .clone()
                    .ok_or(ConfigError::CannotValidateIdToken)?;
                self.pending = Some((tokens, id_token, kid.clone(), true));
                Ok(TokenOutcome::Keys(KeyRequest {
                    jwks_uri,
                    kid,
                    refresh: true,
                }))
            }
            Err(e) => Err(ProviderError::IdToken(e).into()),
        }
    }
}
