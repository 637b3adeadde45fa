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
use crate::provider::{ApiUrl, Profile};
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
    Calls { tokens: Box<Tokens>, next: usize },
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
                TokenOutcome::Keys(k) => {
                    self.stage = LoginStage::Keys;
                    Ok(Step::NeedKeys(k))
                }
                TokenOutcome::Ready(t) => self.next_call(Box::new(t), 0),
            },
            LoginStage::Calls { tokens, next } => {
                self.on_call_response(&tokens, next, &response)?;
                self.next_call(tokens, next + 1)
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
            TokenOutcome::Ready(t) => self.next_call(Box::new(t), 0),
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

    fn next_call(
        &mut self,
        tokens: Box<Tokens>,
        mut index: usize,
    ) -> Result<Step<Login>, LoginError> {
        let provider = Arc::clone(&self.tokens.client.provider);
        while let Some(call) = provider.calls.get(index) {
            let url = match &call.url {
                ApiUrl::Fixed(u) => u.clone(),
                ApiUrl::Userinfo => match &self.tokens.metadata.userinfo_endpoint {
                    Some(u) => u.clone(),
                    None if !call.required => {
                        index += 1;
                        continue;
                    }
                    None => return Err(ConfigError::InvalidUrl("userinfo endpoint").into()),
                },
            };
            let request = api_request(call, url, &tokens.access_token, &self.tokens.client.config)?;
            self.stage = LoginStage::Calls {
                tokens,
                next: index,
            };
            return Ok(Step::Send(request));
        }
        self.finish(*tokens)
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
            identity.raw = Value::Object(raw);
        }
        self.stage = LoginStage::Done;
        Ok(Step::Done(Login {
            identity,
            tokens,
            return_to: self.return_to.take(),
        }))
    }
}
