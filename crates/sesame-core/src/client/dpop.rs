//! DPoP inside an exchange: the proofs of its requests and the nonces the
//! servers hand out along the way.

use std::sync::Arc;
use std::time::SystemTime;

use crate::dpop::{DpopError, ProofKey};
use crate::error::{InternalError, LoginError};
use crate::random::{Random, RandomError};

/// Signs the proofs of one exchange (a login, a refresh, a pushed request).
///
/// The exchange's state machine gets no randomness after it starts, so the
/// `jti`s come from a 256-bit seed drawn from the caller's generator when
/// the exchange begins: the `n`-th proof's `jti` is the first 128 bits of
/// HMAC-SHA256(seed, n). The latest `DPoP-Nonce` of each server (origin) is
/// kept for the following proofs to it.
pub(crate) struct Prover {
    key: Arc<ProofKey>,
    seed: crate::crypto::hmac::Key,
    count: u64,
    nonces: Vec<(String, String)>,
}

impl std::fmt::Debug for Prover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prover")
            .field("jkt", &self.key.thumbprint())
            .field("proofs", &self.count)
            .finish_non_exhaustive()
    }
}

impl Prover {
    /// A prover for `key`, seeded from `rng`.
    pub(crate) fn new(key: Arc<ProofKey>, rng: &dyn Random) -> Result<Self, LoginError> {
        let mut seed = [0u8; 32];
        rng.fill(&mut seed)
            .map_err(|_| LoginError::Internal(InternalError::Random))?;
        Ok(Self {
            key,
            seed: crate::crypto::hmac_sha256_key(&seed),
            count: 0,
            nonces: Vec::new(),
        })
    }

    /// A prover when the client has a key.
    pub(crate) fn for_key(
        key: Option<&Arc<ProofKey>>,
        rng: &dyn Random,
    ) -> Result<Option<Self>, LoginError> {
        key.map(|k| Self::new(Arc::clone(k), rng)).transpose()
    }

    /// A proof for `htm` `htu`, with `ath` for `access_token` and the
    /// server's latest nonce.
    pub(crate) fn proof(
        &mut self,
        htm: &http::Method,
        htu: &url::Url,
        now: SystemTime,
        access_token: Option<&str>,
    ) -> Result<String, LoginError> {
        self.count += 1;
        let jti = crate::crypto::hmac::sign(&self.seed, &self.count.to_be_bytes());
        let nonce = self.nonce(htu).map(str::to_owned);
        self.key
            .proof(
                htm,
                htu,
                now,
                &Drawn(jti.as_ref()),
                access_token,
                nonce.as_deref(),
            )
            .map_err(|e| {
                LoginError::Internal(match e {
                    DpopError::Random => InternalError::Random,
                    _ => InternalError::Sign,
                })
            })
    }

    /// Remembers the `DPoP-Nonce` of a response from `url`'s server.
    pub(crate) fn remember(&mut self, url: &url::Url, nonce: Option<&str>) {
        let Some(nonce) = nonce else { return };
        let origin = url.origin().ascii_serialization();
        match self.nonces.iter_mut().find(|(o, _)| *o == origin) {
            Some((_, n)) => nonce.clone_into(n),
            None => self.nonces.push((origin, nonce.to_owned())),
        }
    }

    /// The latest nonce of `url`'s server.
    fn nonce(&self, url: &url::Url) -> Option<&str> {
        let origin = url.origin().ascii_serialization();
        self.nonces
            .iter()
            .find(|(o, _)| *o == origin)
            .map(|(_, n)| n.as_str())
    }
}

/// Bytes drawn beforehand, handed out as a [`Random`] for one `jti`.
struct Drawn<'a>(&'a [u8]);

impl Random for Drawn<'_> {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        let src = self.0.get(..dest.len()).ok_or(RandomError)?;
        dest.copy_from_slice(src);
        Ok(())
    }
}
