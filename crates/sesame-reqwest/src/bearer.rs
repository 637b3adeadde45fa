use std::sync::Arc;
use std::time::SystemTime;

use sesame_core::dpop::{CheckedProof, ProofRefusal};
use sesame_core::protocol::Endpoint;
use sesame_core::resource::{
    AccessClaims, BearerCheck, BearerError, BearerPolicy, BearerValidator, Guard, Introspector,
    TrustedIssuer,
};
use sesame_core::session::{hash_key, SessionStore};
use sesame_core::step::Step;

use crate::{Drive, Error, Sesame};

/// Bearer-token protection for an API: the core's [`BearerPolicy`] run
/// over the network, with the driver's JWKS cache (rotation handled by the
/// core's one refetch) and HTTP client (introspection). DPoP is configured
/// on the policy ([`BearerPolicy::dpop`], then [`BearerAuth::with_policy`]);
/// an API on several instances shares its record of used proofs with
/// [`BearerAuth::with_dpop_replay_store`].
#[derive(Debug, Clone)]
pub struct BearerAuth {
    policy: BearerPolicy,
    sesame: Arc<Sesame>,
    replay_store: Option<Arc<dyn SessionStore>>,
}

/// The prefix of the keys under which [`BearerAuth::with_dpop_replay_store`]
/// records used DPoP proofs (the rest is a hash of the proof's replay key).
pub const DPOP_REPLAY_KEY_PREFIX: &str = "sesame:dpop-proof:";

/// The value stored under a proof's key (only its presence counts).
const RECORDED: &[u8] = b"1";

impl BearerAuth {
    /// Protection with this validator, fetching keys through `sesame`.
    pub fn new(validator: BearerValidator, sesame: Arc<Sesame>) -> Self {
        Self::with_policy(BearerPolicy::new(validator), sesame)
    }

    /// Protection with a whole policy (validator, caches, introspection, realm).
    pub fn with_policy(policy: BearerPolicy, sesame: Arc<Sesame>) -> Self {
        Self {
            policy,
            sesame,
            replay_store: None,
        }
    }

    /// Records used DPoP proofs in `store`, which the API's instances
    /// share (`sesame_redis::RedisStore`, on Redis or Redis Cluster), so
    /// that a proof accepted at one instance is refused at every other
    /// (RFC 9449 §11.1) — instead of the policy's in-process replay cache
    /// (this sets [`BearerPolicy::dpop_replay_left_to_driver`], enabling
    /// DPoP in [`DpopMode::Allowed`](sesame_core::resource::DpopMode::Allowed)
    /// if the policy did not yet).
    ///
    /// A proof is recorded with one atomic
    /// [`put_new`](SessionStore::put_new) under [`DPOP_REPLAY_KEY_PREFIX`]
    /// and a hash of its replay key, for as long as it could be accepted
    /// ([`CheckedProof::replay_ttl`]). It is recorded last, once the proof,
    /// the token, its binding and the route's guard all passed: a request
    /// refused on the way costs no write (and its proof, refused for what
    /// it says, stays refused). A proof already recorded is refused as a
    /// replay, exactly as the in-process cache refuses it
    /// (`invalid_dpop_proof`, [`ProofRefusal::Replayed`]). When the store
    /// cannot answer (down, too slow, full) the request is refused, failing
    /// closed, with [`BearerError::ReplayStoreUnavailable`]: 503
    /// `temporarily_unavailable`, never accepted.
    pub fn with_dpop_replay_store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.policy = self.policy.dpop_replay_left_to_driver();
        self.replay_store = Some(store);
        self
    }

    /// Remembers up to `capacity` verified tokens (see
    /// [`VerifiedTokenCache`](sesame_core::resource::VerifiedTokenCache):
    /// never past a token's `exp`, never after its key leaves the issuer's JWKS).
    pub fn with_verified_token_cache(mut self, capacity: usize) -> Self {
        self.policy = self.policy.with_verified_token_cache(capacity);
        self
    }

    /// Introspects tokens that are not JWTs from a trusted issuer (opaque
    /// tokens), through `introspector` and its short cache.
    pub fn with_introspection(mut self, introspector: Introspector) -> Self {
        self.policy = self.policy.with_introspection(introspector);
        self
    }

    /// Sets the realm named in `WWW-Authenticate`.
    pub fn realm(mut self, realm: &str) -> Self {
        self.policy = self.policy.realm(realm);
        self
    }

    /// The realm.
    pub fn realm_name(&self) -> &str {
        self.policy.realm_name()
    }

    /// The policy.
    pub fn policy(&self) -> &BearerPolicy {
        &self.policy
    }

    /// Validates the request's bearer token and checks `guard`, from the
    /// headers alone: `Bearer` only (see [`BearerPolicy::check`]); use
    /// [`BearerAuth::authenticate_request`] to accept DPoP as well.
    pub async fn authenticate(
        &self,
        headers: &http::HeaderMap,
        guard: &Guard,
    ) -> Result<AccessClaims, BearerError> {
        let started = std::time::Instant::now();
        let first = self.policy.check(headers, guard, SystemTime::now());
        self.drive(first, started).await
    }

    /// Validates the request's token, `Bearer` or (when the policy enables
    /// it, [`BearerPolicy::dpop`]) `DPoP` with its proof for this `method`
    /// and `uri`, and checks `guard` (see [`BearerPolicy::check_request`]).
    pub async fn authenticate_request(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        headers: &http::HeaderMap,
        guard: &Guard,
    ) -> Result<AccessClaims, BearerError> {
        let started = std::time::Instant::now();
        let first = self
            .policy
            .check_request(method, uri, headers, guard, SystemTime::now());
        self.drive(first, started).await
    }

    async fn drive(
        &self,
        first: Result<(BearerCheck, Step<AccessClaims>), BearerError>,
        started: std::time::Instant,
    ) -> Result<AccessClaims, BearerError> {
        let result = match first {
            Err(e) => Err(e),
            Ok((mut check, step)) => match self.sesame.run(&mut check, step).await {
                Ok(claims) => match check.proof_to_record() {
                    Some(proof) => self.record(proof).await.map(|()| claims),
                    None => Ok(claims),
                },
                Err(Drive::Exchange(e)) => Err(e),
                Err(Drive::Transport(e)) => {
                    // The client sees 401; the operator should see why.
                    tracing::warn!(error = %e, "bearer check could not fetch keys or introspect");
                    Err(check.unavailable())
                }
            },
        };
        match &result {
            Ok(_) => crate::audit::duration("bearer", "ok", started),
            Err(e) => {
                tracing::debug!(refusal = %e, "bearer token refused");
                crate::audit::duration("bearer", "refused", started);
            }
        }
        result
    }

    /// Records a checked proof in the shared store: first use only.
    async fn record(&self, proof: &CheckedProof) -> Result<(), BearerError> {
        let Some(store) = &self.replay_store else {
            // A policy that leaves replays to the driver, without a store:
            // nothing can tell a replay, so nothing passes.
            tracing::error!("dpop replay check left to the driver, but no replay store is set");
            return Err(BearerError::ReplayStoreUnavailable);
        };
        let key = format!(
            "{DPOP_REPLAY_KEY_PREFIX}{}",
            hash_key(&["dpop-proof", &proof.replay_key()])
        );
        match store
            .put_new(&key, RECORDED, proof.replay_ttl(), SystemTime::now())
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(BearerError::InvalidDpopProof(ProofRefusal::Replayed)),
            Err(e) => {
                tracing::warn!(error = %e, "dpop replay store unavailable: request refused");
                Err(BearerError::ReplayStoreUnavailable)
            }
        }
    }

    /// The answer for a refusal (RFC 6750, and RFC 9449 when the policy
    /// accepts DPoP; see [`BearerPolicy::refusal`]).
    pub fn refusal(&self, error: &BearerError) -> http::Response<Vec<u8>> {
        self.policy.refusal(error)
    }
}

impl Sesame {
    /// A trusted issuer from its issuer URL: discovery (cached) gives the JWKS URI.
    pub async fn trusted_issuer(
        &self,
        issuer: &str,
        audience: &str,
    ) -> Result<TrustedIssuer, Error> {
        let meta = self.discover(issuer).await?;
        let jwks = meta
            .jwks_uri
            .clone()
            .ok_or(Error::Unavailable(Endpoint::Jwks))?;
        Ok(TrustedIssuer::new(issuer, jwks, audience))
    }
}
