//! DPoP at the authorization server (RFC 9449): proofs at `/token` bind
//! the access token (`cnf.jkt`, `token_type: DPoP`) and, for public
//! clients, the refresh token to the client's key; `/userinfo` takes
//! DPoP-bound tokens with their proof.
//!
//! The proof rules are the core's ([`ProofPolicy`]); this file adds what
//! needs the server: the endpoint URIs (`htu`, from the issuer, so that a
//! proxy in front changes nothing), the replay cache (each proof's `jti`
//! recorded with [`Store::put_new`](crate::Store::put_new) for as long as
//! the proof could be accepted — one store for every instance), and
//! server nonces ([`NonceSource`]: derived from a shared secret and the
//! time, so instances agree without sharing state).

use std::time::SystemTime;

use sesame_core::dpop::{proof_from_headers, Challenge, NonceSource, ProofPolicy, ProofRefusal};
use sesame_core::protocol::ErrorCode;

use crate::store::Store;
use crate::{AuthorizationServer, OAuthError, RegisteredClient};

/// How the server treats DPoP.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DpopConfig {
    /// The proof rules (algorithms, `iat` window, size).
    pub proofs: ProofPolicy,
    /// Whether every token request must carry a proof (RFC 9449 §5.2's
    /// `dpop_bound_access_tokens` for every client; per client:
    /// [`RegisteredClient::require_dpop`]).
    pub required: bool,
    /// Server nonces (RFC 9449 §8): when set, every proof must carry a
    /// current one; a proof without gets `use_dpop_nonce` and the nonce in
    /// `DPoP-Nonce`.
    pub nonces: Option<NonceSource>,
}

/// A refused proof: the OAuth error and, for nonce errors, the nonce to use.
pub(crate) struct DpopRefusal {
    pub(crate) error: OAuthError,
    pub(crate) nonce: Option<String>,
}

impl DpopRefusal {
    fn new(code: ErrorCode, description: &'static str) -> Self {
        Self {
            error: OAuthError::new(code, description),
            nonce: None,
        }
    }

    /// The token endpoint's answer: 400 with the error (also for
    /// `use_dpop_nonce`, RFC 9449 §8), and `DPoP-Nonce`.
    pub(crate) fn to_response(&self) -> http::Response<Vec<u8>> {
        let mut r = self.error.to_response();
        if matches!(
            self.error.code,
            ErrorCode::UseDpopNonce | ErrorCode::InvalidDpopProof
        ) {
            *r.status_mut() = http::StatusCode::BAD_REQUEST;
        }
        if let Some(n) = self.nonce.as_deref().and_then(|n| n.parse().ok()) {
            r.headers_mut()
                .insert(sesame_core::dpop::DPOP_NONCE_HEADER, n);
        }
        r
    }
}

impl AuthorizationServer {
    /// The DPoP proof of a request to one of the server's endpoints
    /// (`path`, relative to the issuer): the key's thumbprint, `None`
    /// without a proof, or the refusal. Replays are refused through the
    /// store. `access_token` is the token the request presents (userinfo),
    /// whose hash the proof's `ath` must carry.
    pub(crate) async fn dpop_proof(
        &self,
        request: &http::Request<Vec<u8>>,
        path: &str,
        access_token: Option<&str>,
        store: &dyn Store,
        now: SystemTime,
    ) -> Result<Option<String>, DpopRefusal> {
        let cfg = &self.config.dpop;
        let proof = match proof_from_headers(request.headers()) {
            Ok(Some(p)) => p,
            Ok(None) => return Ok(None),
            Err(_) => {
                return Err(DpopRefusal::new(
                    ErrorCode::InvalidDpopProof,
                    "send exactly one DPoP proof",
                ))
            }
        };
        let Ok(htu) = url::Url::parse(&format!("{}{path}", self.config.issuer)) else {
            return Err(DpopRefusal::new(
                ErrorCode::InvalidDpopProof,
                "the proof's htu does not match",
            ));
        };
        let mut policy = cfg.proofs.clone();
        policy.require_nonce = cfg.nonces.is_some();
        let nonces = cfg.nonces.as_ref();
        let checked = policy.check(proof, request.method(), &htu, now, access_token, |n| {
            nonces.is_some_and(|s| s.accepts(n, now))
        });
        let checked = match checked {
            Ok(c) => c,
            Err(refusal) => {
                let mut r = DpopRefusal::new(refusal.error_code().into(), describe(&refusal));
                r.nonce = nonces.map(|s| s.current(now));
                return Err(r);
            }
        };
        let key = crate::sha256_b64(&format!("sesame/dpop-jti/v1|{}", checked.replay_key()));
        match store.put_new(&key, now + checked.replay_ttl(), now).await {
            Ok(true) => Ok(Some(checked.jkt().to_owned())),
            Ok(false) => Err(DpopRefusal::new(
                ErrorCode::InvalidDpopProof,
                "the DPoP proof was already used",
            )),
            Err(_) => Err(DpopRefusal {
                error: crate::ServerError::Store(crate::StoreError).into(),
                nonce: None,
            }),
        }
    }

    /// Whether `client`'s token requests must carry a proof.
    pub(crate) fn dpop_required(&self, client: &RegisteredClient) -> bool {
        self.config.dpop.required || client.require_dpop
    }

    /// The `DPoP-Nonce` to hand out with a response, when nonces are on.
    pub(crate) fn dpop_nonce(&self, now: SystemTime) -> Option<http::HeaderValue> {
        let n = self.config.dpop.nonces.as_ref()?.current(now);
        n.parse().ok()
    }

    /// The `WWW-Authenticate: DPoP` challenge of a refusal at `/userinfo`.
    pub(crate) fn dpop_challenge(&self, code: ErrorCode) -> http::HeaderValue {
        Challenge::new(&self.config.dpop.proofs.algorithms)
            .with_error(code)
            .header_value()
    }
}

/// A short description of a refused proof (names the rule, echoes nothing).
fn describe(refusal: &ProofRefusal) -> &'static str {
    match refusal {
        ProofRefusal::NonceRequired => "a DPoP nonce is required",
        ProofRefusal::NonceMismatch => "the DPoP nonce is not current",
        ProofRefusal::MethodMismatch => "the proof's htm does not match",
        ProofRefusal::UriMismatch => "the proof's htu does not match",
        ProofRefusal::Stale => "the proof is too old",
        ProofRefusal::FromTheFuture => "the proof is issued in the future",
        ProofRefusal::AthMissing | ProofRefusal::AthMismatch => {
            "the proof's ath does not match the access token"
        }
        ProofRefusal::PrivateKeyInHeader => "the proof's jwk holds a private key",
        ProofRefusal::AlgorithmNotAllowed => "the proof's algorithm is not allowed",
        ProofRefusal::BadSignature => "the proof's signature does not verify",
        ProofRefusal::WrongType => "the proof's typ is not dpop+jwt",
        _ => "the DPoP proof is malformed",
    }
}
