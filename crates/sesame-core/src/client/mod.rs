//! The authorization-code client flow as a deterministic state machine.
//!
//! # The life of one login
//!
//! ```text
//!  app/driver                         sesame-core                      provider
//!  ──────────                         ───────────                      ────────
//!  GET /login ───────────────▶ Client::begin(meta, return_to, now, rng)
//!                              → authorization URL + PendingLogin
//!  PendingLogin::seal → cookie; 303 to the URL ─────────────────────────▶ user signs in
//!  GET /callback?code&state ◀──────────────────────────────────────────── redirect
//!  PendingLogin::open(cookie) → Client::callback(meta, params, pending, now)
//!     checks provider, state, iss (RFC 9207), error → token request
//!  loop over Step (see [`Exchange`]):
//!     Step::Send(req)      → driver sends it → exchange.on_response(resp, now)
//!     Step::NeedKeys(k)    → driver gets the JWKS (cached) → exchange.on_keys(&jwks, now)
//!     Step::Done(login)    → Identity + Tokens + return_to
//! ```
//!
//! The machine never performs I/O, reads a clock or draws randomness by
//! itself: the driver (sesame-reqwest, a blocking client, a test) moves the
//! requests and responses and passes `now` and a [`Random`](crate::random::Random).
//!
//! A pending login travels in a sealed cookie (see [`crate::seal`]), so the
//! server keeps no per-login state: concurrent logins never meet.

mod api_call;
mod assertion_keys;
mod authorize;
mod callback;
mod config;
mod dpop;
mod exchange;
mod pending;
mod pushed;
mod refresh;
mod token_phase;
mod token_request;

use std::sync::Arc;

use crate::discovery::ProviderMetadata;
use crate::error::ConfigError;
use crate::idtoken::IssuerRule;
use crate::jose::Algorithm;
use crate::provider::{ClientAuth, Provider};

pub use assertion_keys::AssertionKeys;
pub use authorize::Authorization;
pub use callback::{CallbackParams, MAX_CALLBACK_LEN};
pub use config::{ClientConfig, ClientSecret, MintSecret};
pub(crate) use dpop::Prover;
pub use exchange::{Login, LoginExchange};
pub use pending::{validate_return_to, PendingLogin, LOGIN_SEAL_PURPOSE, MAX_RETURN_TO_LEN};
pub use pushed::{PushMode, PushedRequest};
pub use refresh::RefreshExchange;
pub use token_request::CLIENT_ASSERTION_TYPE;
// The run loop's vocabulary, which every exchange here speaks.
pub use crate::step::{Exchange, KeyRequest, Outgoing, Step};

/// A provider plus the application's registration there: the object that
/// runs logins. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    provider: Arc<Provider>,
    config: Arc<ClientConfig>,
}

impl Client {
    /// Combines a provider and a registration.
    ///
    /// Fails when the provider authenticates with a secret but none is
    /// configured and PKCE is off (a public client needs PKCE), when the
    /// redirect URI is not https (http is allowed on loopback only), or
    /// when the `private_key_jwt` keys cannot be used
    /// ([`AssertionKeys::check`]).
    pub fn new(provider: Provider, config: ClientConfig) -> Result<Self, ConfigError> {
        if !crate::discovery::is_secure_url(&config.redirect_uri) {
            return Err(ConfigError::InvalidUrl("redirect uri"));
        }
        if config.client_secret.is_none() && !provider.pkce {
            return Err(ConfigError::MissingClientSecret);
        }
        if config
            .dpop_per_login
            .is_some_and(|alg| !matches!(alg, Algorithm::ES256 | Algorithm::EdDSA))
        {
            return Err(ConfigError::UnsupportedDpopAlgorithm);
        }
        if let Some(keys) = config.assertion_keys() {
            keys.check()?;
        }
        if config.fapi2 {
            if !matches!(
                config.client_secret,
                Some(config::ClientSecret::PrivateKey(_))
            ) {
                return Err(ConfigError::Fapi2("private_key_jwt client authentication"));
            }
            if !config.uses_dpop() {
                return Err(ConfigError::Fapi2("a DPoP proof key"));
            }
            if !provider.pkce {
                return Err(ConfigError::Fapi2("PKCE"));
            }
        }
        Ok(Self {
            provider: Arc::new(provider),
            config: Arc::new(config),
        })
    }

    /// The provider.
    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// The registration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The key that proves possession of tokens bound with `login_key`
    /// (a login's own key, [`Tokens::dpop_key`](crate::tokens::Tokens::dpop_key)),
    /// else the client's one key ([`ClientConfig::dpop`]); `None` when the
    /// client does not use DPoP.
    pub fn dpop_key_for<'a>(
        &'a self,
        login_key: Option<&'a crate::dpop::LoginKey>,
    ) -> Option<&'a Arc<crate::dpop::ProofKey>> {
        login_key
            .map(crate::dpop::LoginKey::proof_key)
            .or(self.config.dpop.as_ref())
    }

    /// A new login's own DPoP key, when the client makes one per login.
    fn new_login_key(&self) -> Result<Option<crate::dpop::LoginKey>, crate::LoginError> {
        self.config
            .dpop_per_login
            .map(crate::dpop::LoginKey::generate)
            .transpose()
            .map_err(|_| crate::LoginError::Internal(crate::error::InternalError::Sign))
    }

    /// The scopes requested.
    pub fn scopes(&self) -> &[String] {
        self.config
            .scopes
            .as_deref()
            .unwrap_or(&self.provider.scopes)
    }

    /// The client authentication method actually used: `none` without a
    /// secret; otherwise the provider's, adjusted to what the metadata
    /// advertises.
    pub fn auth_method(&self, metadata: &ProviderMetadata) -> ClientAuth {
        match &self.config.client_secret {
            None => return ClientAuth::None,
            Some(config::ClientSecret::PrivateKey(_)) => return ClientAuth::PrivateKeyJwt,
            Some(_) => {}
        }
        let wanted = match self.provider.client_auth {
            ClientAuth::None => ClientAuth::Basic,
            other => other,
        };
        let adv = &metadata.token_endpoint_auth_methods_supported;
        if adv.is_empty() || adv.iter().any(|m| m == wanted.as_str()) {
            wanted
        } else if adv.iter().any(|m| m == ClientAuth::Basic.as_str()) {
            ClientAuth::Basic
        } else if adv.iter().any(|m| m == ClientAuth::Post.as_str()) {
            ClientAuth::Post
        } else {
            wanted
        }
    }

    fn expected_issuer(&self, metadata: &ProviderMetadata) -> Option<IssuerRule> {
        self.provider
            .issuer_rule
            .clone()
            .or_else(|| metadata.issuer.clone().map(IssuerRule::Exact))
    }
}
