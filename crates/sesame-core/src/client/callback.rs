//! The callback: its parameters, and every check made before anything is
//! sent to the provider (provider, `state`, `iss`, `error`, `code`).

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use super::dpop::Prover;
use super::exchange::{LoginExchange, LoginStage};
use super::pending::PendingLogin;
use super::token_phase::TokenPhase;
use super::Client;
use crate::discovery::ProviderMetadata;
use crate::error::{LoginError, RequestError};
use crate::http_util;
use crate::idtoken::IssuerRule;
use crate::random::Random;
use crate::step::Outgoing;
use crate::tokens::Grant;

/// Callback query strings or form bodies larger than this are refused.
pub const MAX_CALLBACK_LEN: usize = 32 * 1024;

/// The parameters of an authorization response.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackParams {
    /// `code`.
    pub code: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `iss` (RFC 9207).
    pub iss: Option<String>,
    /// `error`.
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
    /// Every other parameter (Apple's `user`, for example).
    pub extra: Vec<(String, String)>,
}

impl fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackParams")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("iss", &self.iss)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl CallbackParams {
    /// Parses a callback query string (without the `?`).
    pub fn from_query(query: &str) -> Result<Self, LoginError> {
        Self::from_form(query.as_bytes())
    }

    /// Parses a `form_post` body.
    pub fn from_form(body: &[u8]) -> Result<Self, LoginError> {
        let pairs = http_util::parse_params(body, MAX_CALLBACK_LEN)
            .map_err(RequestError::InvalidParameters)?;
        Ok(Self::from_pairs(pairs))
    }

    /// Builds the parameters from decoded pairs.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut p = CallbackParams::default();
        for (k, v) in pairs {
            match k.as_str() {
                "code" => p.code = Some(v),
                "state" => p.state = Some(v),
                "iss" => p.iss = Some(v),
                "error" => p.error = Some(v),
                "error_description" => p.error_description = Some(v),
                _ => p.extra.push((k, v)),
            }
        }
        p
    }
}

impl Client {
    /// Checks a callback against its pending login and builds the token request.
    ///
    /// Checks, in order: the provider, `state` (constant time), `iss`
    /// (RFC 9207), an `error` response, and `code` — all before anything is
    /// sent to the provider. `rng` seeds the `jti`s of the login's DPoP
    /// proofs when the client uses DPoP
    /// ([`ClientConfig::dpop`](super::ClientConfig::dpop)); nothing is drawn
    /// otherwise.
    pub fn callback(
        &self,
        metadata: Arc<ProviderMetadata>,
        params: &CallbackParams,
        pending: PendingLogin,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<(LoginExchange, Outgoing), LoginError> {
        if pending.provider != self.provider.id {
            return Err(RequestError::ProviderMismatch.into());
        }
        match &params.state {
            Some(s) if pending.state.matches(s) => {}
            Some(_) => return Err(RequestError::StateMismatch.into()),
            // An error response without state redeems nothing; report the error.
            None if params.error.is_some() => {}
            None => return Err(RequestError::MissingState.into()),
        }
        self.check_iss(&metadata, params.iss.as_deref())?;
        if let Some(error) = &params.error {
            return Err(RequestError::Authorization {
                error: http_util::truncate(error, 64),
                description: params
                    .error_description
                    .as_deref()
                    .map(|d| http_util::truncate(d, 200)),
            }
            .into());
        }
        let code = params
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or(RequestError::MissingCode)?;

        let mut fields: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &pending.redirect_uri),
        ];
        if let Some(v) = &pending.verifier {
            fields.push(("code_verifier", v));
        }
        if self.provider.state_in_token_request {
            fields.push(("state", pending.state.as_str()));
        }
        for name in &self.provider.forward_callback_params {
            if let Some((k, v)) = params.extra.iter().find(|(k, _)| k == name) {
                fields.push((k, v));
            }
        }
        let fields = fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let prover = Prover::for_key(self.dpop_key_for(pending.dpop_key.as_ref()), rng)?;
        let mut tokens = TokenPhase::new(
            self.clone(),
            metadata,
            Grant::AuthorizationCode,
            pending.nonce.as_ref().map(|n| n.as_str().to_owned()),
            None,
            fields,
            prover,
        );
        tokens.login_key = pending.dpop_key;
        let request = tokens.request(now)?;
        let exchange = LoginExchange {
            tokens,
            callback_extra: params.extra.clone(),
            return_to: pending.return_to,
            stage: LoginStage::Token,
            responses: Vec::new(),
        };
        Ok((exchange, request))
    }

    fn check_iss(
        &self,
        metadata: &ProviderMetadata,
        iss: Option<&str>,
    ) -> Result<(), RequestError> {
        let expected = self.expected_issuer(metadata);
        match (iss, expected) {
            (Some(iss), Some(rule)) => {
                let ok = match &rule {
                    IssuerRule::Exact(s) => s == iss,
                    // Templated issuers: the callback carries the concrete one;
                    // accept it when it fits the template's shape.
                    IssuerRule::Template {
                        template,
                        placeholder,
                        ..
                    } => {
                        let (pre, post) = template
                            .split_once(placeholder.as_str())
                            .unwrap_or((template, ""));
                        iss.starts_with(pre)
                            && iss.ends_with(post)
                            && iss.len() > pre.len() + post.len()
                    }
                };
                if ok {
                    Ok(())
                } else {
                    Err(RequestError::IssuerMismatch)
                }
            }
            (Some(_), None) => Ok(()),
            (None, _)
                if metadata.authorization_response_iss_parameter_supported || self.config.fapi2 =>
            {
                Err(RequestError::MissingIssuer)
            }
            (None, _) => Ok(()),
        }
    }
}
