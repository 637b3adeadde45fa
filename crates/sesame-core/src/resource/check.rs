//! The protected API's whole check as one state machine: credentials
//! (with the DPoP proof, if any), keys (with the single refetch on an
//! unknown key), the verified-token cache, introspection, the token's key
//! binding, and the route's guard.

use std::sync::Arc;
use std::time::SystemTime;

use url::Url;

use super::dpop::{DpopSettings, Replay};
use super::{
    extract_bearer, extract_credentials, Accepted, AccessClaims, AuthScheme, BearerError,
    BearerValidator, DpopMode, Guard, Introspector, KeySource, ReplayCache, VerifiedTokenCache,
};
use crate::dpop::{BindingError, CheckedProof, NonceSource, ProofPolicy, ProofRefusal};
use crate::jose::JwkSet;
use crate::protocol::Endpoint;
use crate::step::{Exchange, KeyRequest, Outgoing, Step};

/// How a protected API checks access tokens: the trusted issuers, an
/// optional verified-token cache, optional introspection for opaque
/// tokens, the realm named in refusals and, when enabled, DPoP
/// ([`BearerPolicy::dpop`]). Cheap to clone.
///
/// # DPoP (RFC 9449)
///
/// With [`BearerPolicy::dpop`], requests may present `Authorization: DPoP
/// <token>` with exactly one `DPoP` proof header. Check them with
/// [`BearerPolicy::check_request`] (or [`check_parts`](BearerPolicy::check_parts)),
/// which knows the request's method and URI; [`BearerPolicy::check`] sees
/// only headers and so cannot check a proof. A DPoP request passes when:
///
/// * its proof passes the [`ProofPolicy`] for this method and URI (the URI
///   built on [`BearerPolicy::public_origin`]) and hashes the token (`ath`),
///   with a nonce when a [`NonceSource`] is configured;
/// * the proof was not seen before ([`ReplayCache`]; or, with
///   [`BearerPolicy::dpop_replay_left_to_driver`], checked by the driver
///   once everything else passed);
/// * the token (validated as usual, or introspected) is bound to the
///   proof's key: `cnf.jkt` is the key's thumbprint. An unbound token
///   presented with the `DPoP` scheme is refused (`invalid_token`): RFC
///   9449 §7.1 lets a server accept it, but it would carry a proof for
///   nothing.
///
/// Whatever the settings, a DPoP-bound token presented as `Bearer` is
/// refused with `invalid_token` (RFC 9449 §7.2): a token bound to a key
/// is worth nothing without its proof.
///
/// ```
/// use std::time::SystemTime;
/// use sesame_core::dpop::{cnf_claim, ProofKey};
/// use sesame_core::jose::{Algorithm, JwkSet, SigningKey};
/// use sesame_core::random::SeededRandom;
/// use sesame_core::resource::{BearerPolicy, BearerValidator, DpopMode, Guard, TrustedIssuer};
/// use sesame_core::step::Step;
///
/// let now = SystemTime::now();
/// let t = sesame_core::time::unix_seconds(now);
/// // The issuer's key, configured statically for this example.
/// let (issuer_key, _) = SigningKey::generate(Algorithm::ES256, "k1").unwrap();
/// let jwks = serde_json::json!({"keys": [issuer_key.public_jwk().unwrap()]}).to_string();
/// let policy = BearerPolicy::new(BearerValidator::new().issuer(TrustedIssuer::with_static_keys(
///     "https://id.example.com",
///     JwkSet::parse(jwks.as_bytes()).unwrap(),
///     "https://api.example.com",
/// )))
/// .dpop(DpopMode::Allowed)
/// .public_origin("https://api.example.com".parse().unwrap());
///
/// // The client's key, and a token bound to it.
/// let client_key = ProofKey::generate(Algorithm::ES256).unwrap();
/// let claims = serde_json::json!({
///     "iss": "https://id.example.com", "aud": "https://api.example.com", "sub": "alice",
///     "exp": t + 300, "iat": t, "cnf": cnf_claim(client_key.thumbprint()),
/// });
/// let token = issuer_key.sign_claims(Some("at+jwt"), claims.as_object().unwrap()).unwrap();
///
/// // The request, behind a proxy: the app sees only the path.
/// let htu: url::Url = "https://api.example.com/orders".parse().unwrap();
/// let proof = client_key
///     .proof(&http::Method::GET, &htu, now, &SeededRandom::new(1), Some(&token), None)
///     .unwrap();
/// let (parts, ()) = http::Request::get("/orders?page=2")
///     .header("authorization", format!("DPoP {token}"))
///     .header("dpop", proof)
///     .body(())
///     .unwrap()
///     .into_parts();
/// let (_check, step) = policy.check_parts(&parts, &Guard::new(), now).unwrap();
/// let Step::Done(claims) = step else { panic!("static keys: nothing to fetch") };
/// assert_eq!(claims.subject, "alice");
///
/// // The same proof again is a replay.
/// let refused = policy.check_parts(&parts, &Guard::new(), now).unwrap_err();
/// assert_eq!(refused.status(), 401);
/// assert_eq!(
///     policy.refusal(&refused).headers()["www-authenticate"],
///     r#"DPoP error="invalid_dpop_proof", algs="ES256 EdDSA RS256 PS256""#,
/// );
/// ```
#[derive(Debug, Clone)]
pub struct BearerPolicy {
    validator: Arc<BearerValidator>,
    cache: Option<Arc<VerifiedTokenCache>>,
    introspector: Option<Arc<Introspector>>,
    realm: String,
    dpop: Option<DpopSettings>,
    public_origin: Option<Url>,
}

impl BearerPolicy {
    /// Tokens from these issuers, in the realm `api`.
    pub fn new(validator: BearerValidator) -> Self {
        Self {
            validator: Arc::new(validator),
            cache: None,
            introspector: None,
            realm: "api".into(),
            dpop: None,
            public_origin: None,
        }
    }

    /// Accepts DPoP-bound tokens (RFC 9449) in `mode`: alongside bearer
    /// tokens ([`DpopMode::Allowed`]) or alone ([`DpopMode::Required`]).
    /// Proofs follow [`ProofPolicy::default`] until [`BearerPolicy::dpop_proofs`],
    /// carry no nonce until [`BearerPolicy::dpop_nonces`], and are
    /// remembered in a [`MemoryReplayCache`](super::MemoryReplayCache) of
    /// [`DEFAULT_CAPACITY`](super::MemoryReplayCache::DEFAULT_CAPACITY)
    /// until [`BearerPolicy::dpop_replay_cache`]. Check requests with
    /// [`BearerPolicy::check_request`].
    pub fn dpop(mut self, mode: DpopMode) -> Self {
        self.dpop.get_or_insert_with(DpopSettings::default).mode = mode;
        self
    }

    /// The rules DPoP proofs are checked against (algorithms, age, size).
    /// Its `require_nonce` is set by [`BearerPolicy::dpop_nonces`]. Enables
    /// DPoP in [`DpopMode::Allowed`] if it is not yet enabled.
    pub fn dpop_proofs(mut self, proofs: ProofPolicy) -> Self {
        let settings = self.dpop.get_or_insert_with(DpopSettings::default);
        let require_nonce = settings.nonces.is_some();
        settings.proofs = proofs;
        settings.proofs.require_nonce = require_nonce;
        self
    }

    /// Requires every proof to carry a current nonce from `nonces` (RFC
    /// 9449 §9): a proof without one is refused with `use_dpop_nonce` and a
    /// fresh nonce in `DPoP-Nonce`. Give every instance the same secret.
    /// Enables DPoP in [`DpopMode::Allowed`] if it is not yet enabled.
    pub fn dpop_nonces(mut self, nonces: NonceSource) -> Self {
        let settings = self.dpop.get_or_insert_with(DpopSettings::default);
        settings.proofs.require_nonce = true;
        settings.nonces = Some(nonces);
        self
    }

    /// Remembers used proofs in `cache` (a shared one when the API runs on
    /// several instances). Enables DPoP in [`DpopMode::Allowed`] if it is
    /// not yet enabled.
    pub fn dpop_replay_cache(mut self, cache: Arc<dyn ReplayCache>) -> Self {
        self.dpop.get_or_insert_with(DpopSettings::default).replay = Replay::Cache(cache);
        self
    }

    /// Leaves the replay check to the driver, for a store it reaches
    /// asynchronously (shared by the API's instances): the check no longer
    /// consults a [`ReplayCache`], and a check that ends in claims hands
    /// the proof to record ([`BearerCheck::proof_to_record`]). The driver
    /// must then record it, atomically and first-use-wins, before it lets
    /// the request through, refuse a proof already recorded with
    /// `BearerError::InvalidDpopProof(ProofRefusal::Replayed)`, and refuse
    /// with [`BearerError::ReplayStoreUnavailable`] when it cannot tell.
    /// `sesame_reqwest::BearerAuth::with_dpop_replay_store` does all of
    /// this on a `SessionStore`. Enables DPoP in [`DpopMode::Allowed`] if
    /// it is not yet enabled; [`BearerPolicy::dpop_replay_cache`] undoes it.
    pub fn dpop_replay_left_to_driver(mut self) -> Self {
        self.dpop.get_or_insert_with(DpopSettings::default).replay = Replay::Driver;
        self
    }

    /// Whether the driver checks proofs for replay
    /// ([`BearerPolicy::dpop_replay_left_to_driver`]).
    pub fn leaves_dpop_replay_to_driver(&self) -> bool {
        self.dpop
            .as_ref()
            .is_some_and(|d| matches!(d.replay, Replay::Driver))
    }

    /// The DPoP mode, `None` while DPoP is not enabled.
    pub fn dpop_mode(&self) -> Option<DpopMode> {
        self.dpop.as_ref().map(|d| d.mode)
    }

    /// The app's public origin (`https://api.example.com`): the scheme,
    /// host and port of the URI DPoP proofs must name (`htu`), the path
    /// being the request's. Set it whenever the app is behind a proxy or
    /// serves HTTPS: without it the origin is the request URI's own when
    /// it is absolute (HTTP/2), else `http://` and the `Host` header — a
    /// header the client chooses.
    pub fn public_origin(mut self, origin: Url) -> Self {
        self.public_origin = Some(origin);
        self
    }

    /// The schemes this policy accepts, as its refusals offer them.
    pub fn accepted(&self) -> Accepted {
        match &self.dpop {
            None => Accepted::Bearer,
            Some(d) if d.mode == DpopMode::Required => Accepted::Dpop(d.proofs.algorithms.clone()),
            Some(d) => Accepted::BearerAndDpop(d.proofs.algorithms.clone()),
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

    /// The answer for a refusal, in this policy's realm, offering the
    /// schemes it accepts (RFC 6750 §3, RFC 9449 §7; see [`BearerError::response`]).
    pub fn refusal(&self, error: &BearerError) -> http::Response<Vec<u8>> {
        error.response(&self.realm, &self.accepted())
    }

    /// Starts checking a request from its headers alone: its credentials
    /// are read now (a missing or malformed header is refused at once); the
    /// returned step says what the driver must fetch, or already holds the
    /// claims.
    ///
    /// Only `Bearer` requests: without the method and URI a DPoP proof
    /// cannot be checked, so a `DPoP` request is refused as having no
    /// credentials ([`BearerError::Missing`]). Use [`BearerPolicy::check_request`]
    /// for both schemes.
    pub fn check(
        &self,
        headers: &http::HeaderMap,
        guard: &Guard,
        now: SystemTime,
    ) -> Result<(BearerCheck, Step<AccessClaims>), BearerError> {
        let token = extract_bearer(headers)?.to_owned();
        if self.dpop_mode() == Some(DpopMode::Required) {
            return Err(BearerError::Missing);
        }
        self.start(AuthScheme::Bearer, token, None, guard, now)
    }

    /// Starts checking a request, `Bearer` or `DPoP`: like
    /// [`BearerPolicy::check`], and for a `DPoP` request the proof is
    /// checked now against `method` and `uri` (the request target as the
    /// app received it; only its path is used when a
    /// [`public_origin`](BearerPolicy::public_origin) is set), then the
    /// token's binding once it is validated (see [the DPoP rules](BearerPolicy#dpop-rfc-9449)).
    pub fn check_request(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        headers: &http::HeaderMap,
        guard: &Guard,
        now: SystemTime,
    ) -> Result<(BearerCheck, Step<AccessClaims>), BearerError> {
        let (scheme, token) = extract_credentials(headers)?;
        let token = token.to_owned();
        match (scheme, &self.dpop) {
            (AuthScheme::Bearer, Some(d)) if d.mode == DpopMode::Required => {
                Err(BearerError::Missing)
            }
            (AuthScheme::Dpop, None) => Err(BearerError::Missing),
            (AuthScheme::Dpop, Some(d)) => {
                let proof = self.check_proof(d, method, uri, headers, &token, now)?;
                self.start(AuthScheme::Dpop, token, Some(proof), guard, now)
            }
            _ => self.start(AuthScheme::Bearer, token, None, guard, now),
        }
    }

    /// [`BearerPolicy::check_request`] for a request's head.
    pub fn check_parts(
        &self,
        parts: &http::request::Parts,
        guard: &Guard,
        now: SystemTime,
    ) -> Result<(BearerCheck, Step<AccessClaims>), BearerError> {
        self.check_request(&parts.method, &parts.uri, &parts.headers, guard, now)
    }

    /// The proof's checks, then the replay cache (unless the driver checks
    /// replays): the checked proof.
    fn check_proof(
        &self,
        dpop: &DpopSettings,
        method: &http::Method,
        uri: &http::Uri,
        headers: &http::HeaderMap,
        token: &str,
        now: SystemTime,
    ) -> Result<CheckedProof, BearerError> {
        let proof = crate::dpop::proof_from_headers(headers)
            .map_err(BearerError::InvalidDpopProof)?
            .ok_or(BearerError::InvalidDpopProof(ProofRefusal::Missing))?;
        let htu = self
            .htu(uri, headers)
            .ok_or(BearerError::InvalidDpopProof(ProofRefusal::UriMismatch))?;
        let nonces = dpop.nonces.as_ref();
        let checked = dpop
            .proofs
            .check(proof, method, &htu, now, Some(token), |n| {
                nonces.is_some_and(|s| s.accepts(n, now))
            })
            .map_err(|refusal| match (refusal.error_code(), nonces) {
                (crate::dpop::DpopErrorCode::UseDpopNonce, Some(s)) => {
                    BearerError::UseDpopNonce(s.current(now))
                }
                _ => BearerError::InvalidDpopProof(refusal),
            })?;
        if let Replay::Cache(cache) = &dpop.replay {
            if !cache.first_use(&checked.replay_key(), checked.replay_ttl(), now) {
                return Err(BearerError::InvalidDpopProof(ProofRefusal::Replayed));
            }
        }
        Ok(checked)
    }

    /// The URI a proof must name: the public origin (or the request's own)
    /// and the request's path.
    fn htu(&self, uri: &http::Uri, headers: &http::HeaderMap) -> Option<Url> {
        let mut htu = match &self.public_origin {
            Some(origin) => origin.clone(),
            None => {
                let scheme = uri.scheme_str().unwrap_or("http");
                let authority = match uri.authority() {
                    Some(a) => a.as_str(),
                    None => headers.get(http::header::HOST)?.to_str().ok()?,
                };
                let origin = Url::parse(&format!("{scheme}://{authority}/")).ok()?;
                // A Host header with a path or a query is no authority.
                if origin.path() != "/" || origin.query().is_some() {
                    return None;
                }
                origin
            }
        };
        htu.set_path(uri.path());
        htu.set_query(None);
        htu.set_fragment(None);
        Some(htu)
    }

    fn start(
        &self,
        scheme: AuthScheme,
        token: String,
        proof: Option<CheckedProof>,
        guard: &Guard,
        now: SystemTime,
    ) -> Result<(BearerCheck, Step<AccessClaims>), BearerError> {
        let proof_jkt = proof.as_ref().map(|p| p.jkt().to_owned());
        let to_record = proof.filter(|_| self.leaves_dpop_replay_to_driver());
        let mut check = BearerCheck {
            policy: self.clone(),
            guard: guard.clone(),
            token,
            scheme,
            proof_jkt,
            to_record,
            stage: Stage::Done,
        };
        let step = check.first_step(now).map_err(|e| check.in_scheme(e))?;
        Ok((check, step))
    }
}

#[derive(Debug)]
enum Stage {
    Keys(KeyRequest),
    Introspection,
    Done,
}

/// One request's check in progress (see [`BearerPolicy::check_request`]).
/// Its refusals are answered in the request's scheme: a `DPoP` request's
/// are [`BearerError::Dpop`].
pub struct BearerCheck {
    policy: BearerPolicy,
    guard: Guard,
    token: String,
    scheme: AuthScheme,
    /// The thumbprint of the proof's key, for a `DPoP` request.
    proof_jkt: Option<String>,
    /// The proof, when the driver checks replays.
    to_record: Option<CheckedProof>,
    stage: Stage,
}

impl std::fmt::Debug for BearerCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerCheck")
            .field("scheme", &self.scheme)
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
        match &self.proof_jkt {
            Some(jkt) => crate::dpop::confirm(&claims.claims, jkt).map_err(|e| match e {
                BindingError::NotBound => BearerError::InvalidToken("not bound to a dpop key"),
                BindingError::KeyMismatch => BearerError::InvalidToken("bound to another key"),
                _ => BearerError::InvalidToken("malformed cnf"),
            })?,
            None if claims.is_key_bound() => {
                // RFC 9449 §7.2: a bound token is worthless without its proof.
                let refused = BearerError::InvalidToken("dpop-bound token presented as bearer");
                return Err(if self.policy.dpop.is_some() {
                    refused.under_dpop()
                } else {
                    refused
                });
            }
            None => {}
        }
        self.guard.check(&claims)?;
        Ok(Step::Done(claims))
    }

    /// A refusal in the request's scheme.
    fn in_scheme(&self, e: BearerError) -> BearerError {
        match self.scheme {
            AuthScheme::Dpop => e.under_dpop(),
            _ => e,
        }
    }

    /// The scheme the request used.
    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// The request's DPoP proof, checked but not yet recorded, when the
    /// policy leaves the replay check to the driver
    /// ([`BearerPolicy::dpop_replay_left_to_driver`]); `None` for a
    /// `Bearer` request or when the policy's [`ReplayCache`] recorded it.
    /// Once the check ends in claims, the driver records
    /// [`CheckedProof::replay_key`] for [`CheckedProof::replay_ttl`] and
    /// lets the request through only if the key was new.
    pub fn proof_to_record(&self) -> Option<&CheckedProof> {
        self.to_record.as_ref()
    }

    /// The refusal when the driver could not get what the last step asked
    /// for (keys or an introspection answer): the token cannot be
    /// verified, so it is `invalid_token` (401), never a 500.
    pub fn unavailable(&self) -> BearerError {
        self.in_scheme(match self.stage {
            Stage::Introspection => BearerError::InvalidToken("introspection unavailable"),
            _ => BearerError::InvalidToken("keys unavailable"),
        })
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
        self.introspected(response, now)
            .map_err(|e| self.in_scheme(e))
    }

    fn on_keys(
        &mut self,
        keys: &JwkSet,
        now: SystemTime,
    ) -> Result<Step<AccessClaims>, BearerError> {
        self.keys_given(keys, now).map_err(|e| self.in_scheme(e))
    }
}

impl BearerCheck {
    fn introspected(
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

    fn keys_given(
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
