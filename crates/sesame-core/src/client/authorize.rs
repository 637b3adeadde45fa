//! The start of a login: the authorization URL and the pending login.

use std::time::SystemTime;

use url::Url;

use super::config::PROTOCOL_PARAMS;
use super::pending::{validate_return_to, PendingLogin};
use super::Client;
use crate::discovery::ProviderMetadata;
use crate::error::LoginError;
use crate::pkce::Verifier;
use crate::provider::ResponseMode;
use crate::random::Random;
use crate::state::{Nonce, State};

/// The start of a login: where to send the browser and what to remember.
#[derive(Debug)]
pub struct Authorization {
    /// The provider's authorization URL with all parameters.
    pub url: Url,
    /// The authorization request's parameters: what `url` carries, and
    /// what a pushed request sends instead ([`Client::push_request`]).
    pub params: Vec<(String, String)>,
    /// The login's secrets, to be sealed into a cookie.
    pub pending: PendingLogin,
}

impl Client {
    /// Starts a login: the authorization URL and the pending login to seal.
    pub fn begin(
        &self,
        metadata: &ProviderMetadata,
        return_to: Option<&str>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Authorization, LoginError> {
        self.begin_with(metadata, return_to, &[], now, rng)
    }

    /// [`begin`](Self::begin) with the login request's query parameters:
    /// those named by [`ClientConfig::forward_login_param`](super::ClientConfig::forward_login_param) are added to the
    /// authorization URL; the rest are ignored.
    pub fn begin_with(
        &self,
        metadata: &ProviderMetadata,
        return_to: Option<&str>,
        login_params: &[(String, String)],
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Authorization, LoginError> {
        let return_to = return_to.map(validate_return_to).transpose()?;
        let p = &self.provider;
        let state = State::generate(rng)?;
        let nonce = if p.openid {
            Some(Nonce::generate(rng)?)
        } else {
            None
        };
        let verifier = if p.pkce {
            Some(Verifier::generate(rng)?)
        } else {
            None
        };
        let login_key = self.new_login_key()?;

        let mut params: Vec<(String, String)> = Vec::new();
        {
            let mut q = |k: &str, v: &str| params.push((k.to_owned(), v.to_owned()));
            q("response_type", "code");
            q(&p.client_id_param, &self.config.client_id);
            q("redirect_uri", self.config.redirect_uri.as_str());
            let scopes = self.scopes();
            if !scopes.is_empty() {
                q("scope", &scopes.join(&p.scope_separator));
            }
            q("state", state.as_str());
            if let Some(n) = &nonce {
                q("nonce", n.as_str());
            }
            if let Some(v) = &verifier {
                q("code_challenge", &v.challenge());
                q("code_challenge_method", crate::pkce::METHOD_S256);
            }
            if let Some(key) = self.dpop_key_for(login_key.as_ref()) {
                // RFC 9449 §10: the code is bound to the key that will redeem it.
                q("dpop_jkt", key.thumbprint());
            }
            if p.response_mode == ResponseMode::FormPost {
                q("response_mode", "form_post");
            }
            for (k, v) in p
                .authorization_params
                .iter()
                .chain(&self.config.authorization_params)
            {
                q(k, v);
            }
            for (k, v) in login_params {
                if self.forwards(k) {
                    q(k, v);
                }
            }
        }
        let mut url = metadata.authorization_endpoint.clone();
        url.query_pairs_mut().extend_pairs(&params);
        Ok(Authorization {
            url,
            params,
            pending: PendingLogin {
                provider: p.id.clone(),
                state,
                nonce,
                verifier: verifier.map(|v| v.expose().to_owned()),
                redirect_uri: self.config.redirect_uri.to_string(),
                return_to,
                created_at: crate::time::unix_seconds(now),
                dpop_key: login_key,
            },
        })
    }

    /// Whether a login-route parameter goes into the authorization request:
    /// allow-listed by [`ClientConfig::forward_login_param`](super::ClientConfig::forward_login_param), and neither
    /// a protocol parameter nor one the provider or configuration fixes.
    fn forwards(&self, name: &str) -> bool {
        let p = &self.provider;
        let fixed = p
            .authorization_params
            .iter()
            .chain(&self.config.authorization_params)
            .any(|(n, _)| n == name);
        self.config.forwarded_login_params.iter().any(|f| f == name)
            && !PROTOCOL_PARAMS.contains(&name)
            && name != p.client_id_param
            && !fixed
    }
}
