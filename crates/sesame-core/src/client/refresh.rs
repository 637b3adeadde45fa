//! Refreshing tokens: the request, and the exchange that reads its answer
//! (a new ID token must keep `iss` and `sub`).

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use super::dpop::Prover;
use super::token_phase::{TokenOutcome, TokenPhase};
use super::Client;
use crate::discovery::ProviderMetadata;
use crate::error::{LoginError, UsageError};
use crate::idtoken::{IdTokenClaims, IssuerRule};
use crate::jose::JwkSet;
use crate::random::Random;
use crate::step::{Exchange, Outgoing, Step};
use crate::tokens::{Grant, Tokens};
use crate::Secret;

impl Client {
    /// Starts a refresh: the token request and the exchange that reads its answer.
    ///
    /// `previous` is the original ID token's claims: a new ID token must have
    /// the same `iss` and `sub` (its nonce may be absent). `rng` seeds the
    /// `jti`s of the DPoP proofs when the client uses DPoP
    /// ([`ClientConfig::dpop`](super::ClientConfig::dpop)); nothing is drawn
    /// otherwise.
    pub fn refresh(
        &self,
        metadata: Arc<ProviderMetadata>,
        refresh_token: &Secret,
        previous: Option<&IdTokenClaims>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<(RefreshExchange, Outgoing), LoginError> {
        self.refresh_bound(metadata, refresh_token, previous, None, now, rng)
    }

    /// [`refresh`](Self::refresh) of tokens bound to a login's own DPoP key
    /// (`login_key`, [`Tokens::dpop_key`]; `None` for the client's one
    /// key): the proofs are signed with it and the new tokens carry it on.
    pub fn refresh_bound(
        &self,
        metadata: Arc<ProviderMetadata>,
        refresh_token: &Secret,
        previous: Option<&IdTokenClaims>,
        login_key: Option<&crate::dpop::LoginKey>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<(RefreshExchange, Outgoing), LoginError> {
        let fields = vec![
            ("grant_type".to_owned(), "refresh_token".to_owned()),
            (
                "refresh_token".to_owned(),
                refresh_token.expose().to_owned(),
            ),
        ];
        let prover = Prover::for_key(self.dpop_key_for(login_key), rng)?;
        let mut phase = TokenPhase::new(
            self.clone(),
            metadata,
            Grant::Refresh,
            None,
            previous.map(|c| c.subject.clone()),
            fields,
            prover,
        );
        phase.login_key = login_key.cloned();
        if let Some(prev) = previous {
            phase.expected_issuer = Some(IssuerRule::Exact(prev.issuer.clone()));
        }
        let request = phase.request(now)?;
        Ok((
            RefreshExchange {
                phase,
                finished: false,
            },
            request,
        ))
    }
}

/// A refresh in progress.
pub struct RefreshExchange {
    phase: TokenPhase,
    finished: bool,
}

impl fmt::Debug for RefreshExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshExchange")
            .field("provider", &self.phase.client.provider.id)
            .finish_non_exhaustive()
    }
}

impl Exchange for RefreshExchange {
    type Output = Tokens;
    type Error = LoginError;

    fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<Step<Tokens>, LoginError> {
        if self.finished || self.phase.pending.is_some() {
            return Err(UsageError::OutOfOrder.into());
        }
        let out = self.phase.on_token_response(&response, now);
        self.wrap(out)
    }

    fn on_keys(&mut self, keys: &JwkSet, now: SystemTime) -> Result<Step<Tokens>, LoginError> {
        if self.finished {
            return Err(UsageError::OutOfOrder.into());
        }
        let out = self.phase.on_keys(keys, now);
        self.wrap(out)
    }
}

impl RefreshExchange {
    fn wrap(&mut self, out: Result<TokenOutcome, LoginError>) -> Result<Step<Tokens>, LoginError> {
        match out {
            Ok(TokenOutcome::Send(out)) => Ok(Step::Send(out)),
            Ok(TokenOutcome::Keys(k)) => Ok(Step::NeedKeys(k)),
            Ok(TokenOutcome::Ready(t)) => {
                self.finished = true;
                Ok(Step::Done(t))
            }
            Err(e) => {
                self.finished = true;
                Err(e)
            }
        }
    }
}
