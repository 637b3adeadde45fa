//! The protected API's whole check as one state machine: credentials,
//! keys (with the single refetch on an unknown key), the verified-token
//! cache, introspection, and the route's guard.

use std::sync::Arc;
use std::time::SystemTime;

use super::{
    extract_bearer, AccessClaims, BearerError, BearerValidator, Guard, Introspector, KeySource,
    VerifiedTokenCache,
};
use crate::jose::JwkSet;
use crate::protocol::Endpoint;
use crate::step::{Exchange, KeyRequest, Outgoing, Step};

/// How a protected API checks bearer tokens: the trusted issuers, an
/// optional verified-token cache, optional introspection for opaque
/// tokens, and the realm named in refusals. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BearerPolicy {
    validator: Arc<BearerValidator>,
    cache: Option<Arc<VerifiedTokenCache>>,
    introspector: Option<Arc<Introspector>>,
    realm: String,
}

impl BearerPolicy {
    /// Tokens from these issuers, in the realm `api`.
    pub fn new(validator: BearerValidator) -> Self {
        Self {
            validator: Arc::new(validator),
            cache: None,
            introspector: None,
            realm: "api".into(),
        }
    }

    /// Remembers up to `capacity` verified tokens (see
    /// [`VerifiedTokenCache`]: never past a token's `exp`, never after its
    /// key leaves the issuer's JWKS).
    pub fn with_verified_token_cache(mut self, capacity: usize) -> Self {
        self.cache = Some(Arc::new(VerifiedTokenCache::new(capacity)));
        self
    }

    /// Introspects tokens that are not JWTs from a trusted issuer (opaque
    /// tokens), through `introspector` and its short cache.
    pub fn with_introspection(mut self, introspector: Introspector) -> Self {
        self.introspector = Some(Arc::new(introspector));
        self
    }

    /// Sets the realm named in `WWW-Authenticate`.
    pub fn realm(mut self, realm: &str) -> Self {
        self.realm = realm.to_owned();
        self
    }

    /// The realm.
    pub fn realm_name(&self) -> &str {
        &self.realm
    }

    /// The validator.
    pub fn validator(&self) -> &BearerValidator {
        &self.validator
    }

    /// The RFC 6750 answer for a refusal, in this policy's realm.
    pub fn refusal(&self, error: &BearerError) -> http::Response<Vec<u8>> {
        error.to_response(&self.realm)
    }

    /// Starts checking a request: its credentials are read now (a missing
    /// or malformed header is refused at once); the returned step says what
    /// the driver must fetch, or already holds the claims.
    pub fn check(
        &self,
        headers: &http::HeaderMap,
        guard: &Guard,
        now: SystemTime,
    ) -> Result<(BearerCheck, Step<AccessClaims>), BearerError> {
        let token = extract_bearer(headers)?.to_owned();
        let mut check = BearerCheck {
            policy: self.clone(),
            guard: guard.clone(),
            token,
            stage: Stage::Done,
        };
        let step = check.first_step(now)?;
        Ok((check, step))
    }
}

#[derive(Debug)]
enum Stage {
    Keys(KeyRequest),
    Introspection,
    Done,
}

/// One request's check in progress (see [`BearerPolicy::check`]).
pub struct BearerCheck {
    policy: BearerPolicy,
    guard: Guard,
    token: String,
    stage: Stage,
}

impl std::fmt::Debug for BearerCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerCheck")
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

impl BearerCheck {
    fn first_step(&mut self, now: SystemTime) -> Result<Step<AccessClaims>, BearerError> {
        let validator = &self.policy.validator;
        if let Some(introspector) = &self.policy.introspector {
            if !validator.trusts(&self.token) {
                if let Some(cached) = introspector.cached(&self.token, now) {
                    return self.finish(cached?);
                }
                self.stage = Stage::Introspection;
                return Ok(Step::Send(Outgoing::new(
                    Endpoint::Introspection,
                    introspector.request(&self.token),
                )));
            }
        }
        let request = match validator.keys_for(&self.token)? {
            KeySource::Static(keys) => {
                // Outside a configured set there is nothing to refetch.
                let claims = self.verify(keys, now).map_err(unknown_is_invalid)?;
                return self.finish(claims);
            }
            KeySource::Fetch(request) => request,
        };
        self.stage = Stage::Keys(request.clone());
        Ok(Step::NeedKeys(request))
    }

    fn verify(&self, keys: &JwkSet, now: SystemTime) -> Result<AccessClaims, BearerError> {
        let validator = &self.policy.validator;
        match &self.policy.cache {
            Some(cache) => cache.validate(validator, &self.token, keys, now),
            None => validator.validate(&self.token, keys, now),
        }
    }

    fn finish(&mut self, claims: AccessClaims) -> Result<Step<AccessClaims>, BearerError> {
        self.stage = Stage::Done;
        self.guard.check(&claims)?;
        Ok(Step::Done(claims))
    }

    /// The refusal when the driver could not get what the last step asked
    /// for (keys or an introspection answer): the token cannot be
    /// verified, so it is `invalid_token` (401), never a 500.
    pub fn unavailable(&self) -> BearerError {
        match self.stage {
            Stage::Introspection => BearerError::InvalidToken("introspection unavailable"),
            _ => BearerError::InvalidToken("keys unavailable"),
        }
    }
}

fn unknown_is_invalid(e: BearerError) -> BearerError {
    if e.wants_refetch() {
        BearerError::InvalidToken("unknown key")
    } else {
        e
    }
}

impl Exchange for BearerCheck {
    type Output = AccessClaims;
    type Error = BearerError;

    fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<Step<AccessClaims>, BearerError> {
        if !matches!(self.stage, Stage::Introspection) {
            return Err(BearerError::InvalidToken("out of order"));
        }
        let introspector = self
            .policy
            .introspector
            .clone()
            .ok_or(BearerError::InvalidToken("out of order"))?;
        let claims = introspector.on_response(&self.token, &response, now)?;
        self.finish(claims)
    }

    fn on_keys(
        &mut self,
        keys: &JwkSet,
        now: SystemTime,
    ) -> Result<Step<AccessClaims>, BearerError> {
        let Stage::Keys(request) = std::mem::replace(&mut self.stage, Stage::Done) else {
            return Err(BearerError::InvalidToken("out of order"));
        };
        match self.verify(keys, now) {
            // The key set lacks the token's key: ask once more, refetched.
            Err(e) if e.wants_refetch() && !request.refresh => {
                let again = KeyRequest {
                    refresh: true,
                    ..request
                };
                self.stage = Stage::Keys(again.clone());
                Ok(Step::NeedKeys(again))
            }
            Err(e) => Err(unknown_is_invalid(e)),
            Ok(claims) => self.finish(claims),
        }
    }
}
