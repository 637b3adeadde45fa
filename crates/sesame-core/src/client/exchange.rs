//! A login after its callback was accepted: token exchange, ID-token
//! validation, the provider's profile calls, and the identity mapping.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::Value;

use super::api_call::api_request;
use super::token_phase::{TokenOutcome, TokenPhase};
use crate::error::{ConfigError, LoginError, ProviderError, UsageError};
use crate::http_util;
use crate::identity::Identity;
use crate::jose::JwkSet;
use crate::protocol::Endpoint;
use crate::provider::{ApiUrl, Profile, TokenPlacement};
use crate::step::{Exchange, Step};
use crate::tokens::Tokens;

/// A completed login.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Login {
    /// Who signed in.
    pub identity: Identity,
    /// The tokens.
    pub tokens: Tokens,
    /// Where the application wanted to go after the login.
    pub return_to: Option<String>,
}

pub(super) enum LoginStage {
    Token,
    Keys,
    Calls {
        tokens: Box<Tokens>,
        next: usize,
        /// Whether this call was already sent again with a DPoP nonce.
        retried: bool,
    },
    Done,
}

/// A login after its callback was accepted: token exchange, ID token
/// validation, profile calls and identity mapping.
pub struct LoginExchange {
    pub(super) tokens: TokenPhase,
    pub(super) callback_extra: Vec<(String, String)>,
    pub(super) return_to: Option<String>,
    pub(super) stage: LoginStage,
    pub(super) responses: Vec<(String, Value)>,
}

impl fmt::Debug for LoginExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginExchange")
            .field("provider", &self.tokens.client.provider.id)
            .finish_non_exhaustive()
    }
}

impl Exchange for LoginExchange {
    type Output = Login;
    type Error = LoginError;

    fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<Step<Login>, LoginError> {
        match std::mem::replace(&mut self.stage, LoginStage::Done) {
            LoginStage::Token => match self.tokens.on_token_response(&response, now)? {
                TokenOutcome::Send(out) => {
                    self.stage = LoginStage::Token;
                    Ok(Step::Send(out))
                }
                TokenOutcome::Keys(k) => {
                    self.stage = LoginStage::Keys;
                    Ok(Step::NeedKeys(k))
                }
                TokenOutcome::Ready(t) => self.next_call(Box::new(t), 0, now),
            },
            LoginStage::Calls {
                tokens,
                next,
                retried,
            } => {
                if !retried && self.dpop_nonce_refusal(&tokens, next, &response) {
                    return self.call(tokens, next, true, now);
                }
                self.on_call_response(&tokens, next, &response)?;
                self.next_call(tokens, next + 1, now)
            }
            LoginStage::Keys | LoginStage::Done => Err(UsageError::OutOfOrder.into()),
        }
    }

    fn on_keys(&mut self, keys: &JwkSet, now: SystemTime) -> Result<Step<Login>, LoginError> {
        if !matches!(self.stage, LoginStage::Keys) {
            return Err(UsageError::OutOfOrder.into());
        }
        match self.tokens.on_keys(keys, now)? {
            TokenOutcome::Keys(k) => Ok(Step::NeedKeys(k)),
            TokenOutcome::Ready(t) => self.next_call(Box::new(t), 0, now),
            TokenOutcome::Send(_) => Err(UsageError::OutOfOrder.into()),
        }
    }
}

impl LoginExchange {
    fn on_call_response(
        &mut self,
        tokens: &Tokens,
        index: usize,
        response: &http::Response<Vec<u8>>,
    ) -> Result<(), LoginError> {
        let call = self
            .tokens
            .client
            .provider
            .calls
            .get(index)
            .ok_or(UsageError::OutOfOrder)?;
        if !response.status().is_success() {
            if call.required {
                return Err(ProviderError::Status {
                    endpoint: Endpoint::from(call.name.as_str()),
                    status: response.status().as_u16(),
                }
                .into());
            }
            return Ok(());
        }
        let value: Value = match serde_json::from_slice(response.body()) {
            Ok(v) if response.body().len() <= http_util::MAX_BODY => v,
            _ if !call.required => return Ok(()),
            _ => {
                return Err(ProviderError::MalformedResponse {
                    endpoint: Endpoint::from(call.name.as_str()),
                    reason: "not json",
                }
                .into())
            }
        };
        if call.url == ApiUrl::Userinfo {
            if let Some(claims) = &tokens.id_token_claims {
                // OIDC Core §5.3.2: the userinfo sub must be the ID token's.
                if value.get("sub").and_then(Value::as_str) != Some(claims.subject.as_str()) {
                    return Err(ProviderError::UserinfoSubjectMismatch.into());
                }
            }
        }
        self.responses.push((call.name.clone(), value));
        Ok(())
    }

    /// Remembers a DPoP call's nonce; true when the call was refused for
    /// the lack of it and is worth one more try (RFC 9449 §9).
    fn dpop_nonce_refusal(
        &mut self,
        tokens: &Tokens,
        index: usize,
        response: &http::Response<Vec<u8>>,
    ) -> bool {
        let Ok(Some(url)) = self.call_url(index) else {
            return false;
        };
        let Some(prover) = self.tokens.prover.as_mut() else {
            return false;
        };
        if tokens.token_type != crate::dpop::SCHEME {
            return false;
        }
        prover.remember(&url, crate::dpop::response_nonce(response.headers()));
        crate::dpop::nonce_retry(response).is_some()
    }

    /// The URL of the provider's call `index`: `None` for an optional
    /// userinfo call at a provider without a userinfo endpoint.
    fn call_url(&self, index: usize) -> Result<Option<url::Url>, LoginError> {
        let call = self
            .tokens
            .client
            .provider
            .calls
            .get(index)
            .ok_or(UsageError::OutOfOrder)?;
        match &call.url {
            ApiUrl::Fixed(u) => Ok(Some(u.clone())),
            ApiUrl::Userinfo => match &self.tokens.metadata.userinfo_endpoint {
                Some(u) => Ok(Some(u.clone())),
                None if !call.required => Ok(None),
                None => Err(ConfigError::InvalidUrl("userinfo endpoint").into()),
            },
        }
    }

    fn next_call(
        &mut self,
        tokens: Box<Tokens>,
        mut index: usize,
        now: SystemTime,
    ) -> Result<Step<Login>, LoginError> {
        while index < self.tokens.client.provider.calls.len() {
            if self.call_url(index)?.is_some() {
                return self.call(tokens, index, false, now);
            }
            index += 1;
        }
        self.finish(*tokens)
    }

    /// Sends the provider's call `index`: with a DPoP-bound access token,
    /// as `Authorization: DPoP …` with a proof hashing the token.
    fn call(
        &mut self,
        tokens: Box<Tokens>,
        index: usize,
        retried: bool,
        now: SystemTime,
    ) -> Result<Step<Login>, LoginError> {
        let provider = Arc::clone(&self.tokens.client.provider);
        let call = provider.calls.get(index).ok_or(UsageError::OutOfOrder)?;
        let url = self.call_url(index)?.ok_or(UsageError::OutOfOrder)?;
        let proof = match self.tokens.prover.as_mut() {
            Some(prover)
                if tokens.token_type == crate::dpop::SCHEME
                    && call.token == TokenPlacement::Bearer =>
            {
                Some(prover.proof(&call.method, &url, now, Some(tokens.access_token.expose()))?)
            }
            _ => None,
        };
        let request = api_request(
            call,
            url,
            &tokens.access_token,
            &self.tokens.client.config,
            proof.as_deref(),
        )?;
        self.stage = LoginStage::Calls {
            tokens,
            next: index,
            retried,
        };
        Ok(Step::Send(request))
    }

    fn finish(&mut self, tokens: Tokens) -> Result<Step<Login>, LoginError> {
        let provider = &self.tokens.client.provider;
        let profile = Profile {
            provider: &provider.id,
            id_token: tokens.id_token_claims.as_ref(),
            token_extra: &tokens.extra,
            responses: &self.responses,
            callback: &self.callback_extra,
        };
        let mut identity = (provider.map_identity)(&profile)
            .map_err(|e| ProviderError::Profile(http_util::truncate(&e, 200)))?;
        if identity.id.is_empty() {
            return Err(ProviderError::Profile("empty user id".into()).into());
        }
        identity.provider.clone_from(&provider.id);
        if identity.raw.is_null() {
            let mut raw = tokens
                .id_token_claims
                .as_ref()
                .map(|c| c.claims.clone())
                .unwrap_or_default();
            for (name, v) in &self.responses {
                raw.insert(name.clone(), v.clone());
            }
            identity.raw = Value::Object(raw.into());
        }
        self.stage = LoginStage::Done;
        Ok(Step::Done(Login {
            identity,
            tokens,
            return_to: self.return_to.take(),
        }))
    }
}
