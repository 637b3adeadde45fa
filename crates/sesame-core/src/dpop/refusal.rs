//! Why a proof was refused, rule by rule, and the error code it earns.

use std::fmt;

use crate::protocol::ErrorCode;

/// The two DPoP error codes (RFC 9449 §5, §7.1, §8, §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DpopErrorCode {
    /// `invalid_dpop_proof`: the proof is missing, malformed or wrong.
    InvalidDpopProof,
    /// `use_dpop_nonce`: retry with the nonce of the `DPoP-Nonce` header.
    UseDpopNonce,
}

impl DpopErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            DpopErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            DpopErrorCode::UseDpopNonce => "use_dpop_nonce",
        }
    }
}

impl fmt::Display for DpopErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<DpopErrorCode> for ErrorCode {
    fn from(code: DpopErrorCode) -> Self {
        match code {
            DpopErrorCode::InvalidDpopProof => ErrorCode::InvalidDpopProof,
            DpopErrorCode::UseDpopNonce => ErrorCode::UseDpopNonce,
        }
    }
}

/// Why a DPoP proof was refused (RFC 9449 §4.3): one variant per rule.
///
/// The messages are for logs; the client is told only the
/// [`error_code`](ProofRefusal::error_code) and, if the server wishes, a
/// short description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofRefusal {
    /// The request has no `DPoP` header although it needs one (a resource
    /// server's `Authorization: DPoP …`).
    #[error("dpop proof missing")]
    Missing,
    /// The proof (its key and `jti`) was already used (RFC 9449 §11.1):
    /// the caller's replay cache remembers it.
    #[error("dpop proof replayed")]
    Replayed,
    /// The proof is longer than the policy's maximum.
    #[error("dpop proof too large")]
    TooLarge,
    /// Not exactly one well-formed compact JWS with a JSON header and
    /// JSON-object claims (two proofs, stray whitespace, bad base64url, …).
    #[error("malformed dpop proof")]
    Malformed,
    /// The header's `typ` is not exactly `dpop+jwt`.
    #[error("dpop proof has the wrong typ")]
    WrongType,
    /// The `alg` is `none`, symmetric, unknown, or not on the allow-list.
    #[error("dpop proof algorithm not allowed")]
    AlgorithmNotAllowed,
    /// The header's `jwk` is missing, or not a usable public key for `alg`.
    #[error("dpop proof key missing or unusable")]
    InvalidKey,
    /// The header's `jwk` holds private key material (`d`, `p`, `k`, …).
    #[error("private key in dpop proof header")]
    PrivateKeyInHeader,
    /// The signature does not verify with the header's `jwk`.
    #[error("dpop proof signature invalid")]
    BadSignature,
    /// A required claim is absent.
    #[error("dpop proof claim missing: {0}")]
    MissingClaim(&'static str),
    /// A claim has the wrong type or size (a number for `htm`, a 300-byte `jti`).
    #[error("dpop proof claim invalid: {0}")]
    InvalidClaim(&'static str),
    /// `htm` is not the request's method.
    #[error("dpop proof for another method")]
    MethodMismatch,
    /// `htu` is not the request's URI.
    #[error("dpop proof for another uri")]
    UriMismatch,
    /// `iat` is older than the policy's window.
    #[error("dpop proof too old")]
    Stale,
    /// `iat` is later than now plus the policy's leeway.
    #[error("dpop proof issued in the future")]
    FromTheFuture,
    /// An access token came with the request but the proof has no `ath`.
    #[error("dpop proof lacks the access token hash")]
    AthMissing,
    /// `ath` is not the hash of the request's access token.
    #[error("dpop proof for another access token")]
    AthMismatch,
    /// The server requires a nonce and the proof has none.
    #[error("dpop nonce required")]
    NonceRequired,
    /// The proof's nonce is not (or no longer) one the server issued.
    #[error("dpop nonce invalid or expired")]
    NonceMismatch,
}

impl ProofRefusal {
    /// The error code to answer with: `use_dpop_nonce` for the nonce rules
    /// (send a fresh `DPoP-Nonce` with it), `invalid_dpop_proof` otherwise.
    pub fn error_code(&self) -> DpopErrorCode {
        match self {
            ProofRefusal::NonceRequired | ProofRefusal::NonceMismatch => {
                DpopErrorCode::UseDpopNonce
            }
            _ => DpopErrorCode::InvalidDpopProof,
        }
    }
}
