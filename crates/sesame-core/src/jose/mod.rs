//! JOSE: JWK and JWKS parsing, compact JWS verification and signing, on
//! ring or aws-lc-rs (see [`crate::crypto`]).
//!
//! # Design notes
//!
//! * **Algorithms come from an allow-list** chosen by the caller for each
//!   use; the token's `alg` header only selects among them. `none` is never
//!   accepted, whatever the list says.
//! * **A key is bound to its family.** An RSA key only verifies `RS*`/`PS*`,
//!   a P-256 key only `ES256`, and so on; an HMAC key exists only when the
//!   application constructs it from its own secret ([`VerifyingKey::hmac`]),
//!   never from a fetched JWKS. This rules out the algorithm-confusion attack
//!   (RFC 8725 §3.1–3.2) where a public key is used as an HMAC secret.
//! * **`kid` is untrusted input** and only selects among keys the caller
//!   already holds. `jku`, `x5u` and `jwk` headers are never followed.
//! * **Unusable keys are skipped, not fatal:** a JWKS with one exotic key
//!   (an unknown `kty`, an encryption key, bad parameters) still yields the
//!   rest.
//! * Headers listing `crit` extensions are refused, since none are understood.

mod claims;
mod jwk;
mod jws;
mod scan;
mod sign;

pub use claims::Claims;
pub(crate) use claims::{
    parse_registered, scan_claims, Confirmation, Date, FromFound, ScanClaims, Text, Texts,
};
pub use jwk::{JwkSet, KeyFamily, VerifyingKey};
pub use jws::{unverified_claims, verify, verify_signature, Header, Verified};
pub(crate) use jws::{Parts, Scratch};
pub(crate) use scan::Found;
pub use sign::SigningKey;

use std::fmt;

/// A JWS signature algorithm supported by Sesame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256 (symmetric; only with an application-held secret).
    HS256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519 (RFC 8037).
    EdDSA,
}

impl Algorithm {
    /// Every asymmetric algorithm Sesame verifies: the default allow-list for
    /// tokens from an external issuer.
    pub const ASYMMETRIC: &'static [Algorithm] = &[
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// The registered name, as in the `alg` header.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// Parses a registered name. `none` and unknown names are errors.
    pub fn parse(name: &str) -> Result<Self, JoseError> {
        Ok(match name {
            "HS256" => Algorithm::HS256,
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "PS256" => Algorithm::PS256,
            "PS384" => Algorithm::PS384,
            "PS512" => Algorithm::PS512,
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            "EdDSA" => Algorithm::EdDSA,
            n if n.eq_ignore_ascii_case("none") => return Err(JoseError::AlgNone),
            _ => return Err(JoseError::UnsupportedAlgorithm),
        })
    }

    /// The key family this algorithm needs.
    pub fn family(self) -> KeyFamily {
        match self {
            Algorithm::HS256 => KeyFamily::Hmac,
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => KeyFamily::Rsa,
            Algorithm::ES256 => KeyFamily::P256,
            Algorithm::ES384 => KeyFamily::P384,
            Algorithm::EdDSA => KeyFamily::Ed25519,
        }
    }

    /// The hash used for OpenID Connect `at_hash`/`c_hash` with this algorithm.
    pub(crate) fn hash_for_token_hash(self) -> &'static crate::crypto::digest::Algorithm {
        match self {
            Algorithm::HS256 | Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 => {
                &crate::crypto::digest::SHA256
            }
            Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 => {
                &crate::crypto::digest::SHA384
            }
            Algorithm::RS512 | Algorithm::PS512 | Algorithm::EdDSA => {
                &crate::crypto::digest::SHA512
            }
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = JoseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Why a JWS or a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoseError {
    /// The token is not a well-formed compact JWS (three base64url parts, JSON header).
    #[error("malformed jws")]
    Malformed,
    /// The token is larger than the accepted maximum.
    #[error("jws too large")]
    TooLarge,
    /// The header says `alg: none`: unsigned tokens are never accepted.
    #[error("unsigned token (alg none) refused")]
    AlgNone,
    /// The header names an algorithm Sesame does not implement.
    #[error("unsupported jws algorithm")]
    UnsupportedAlgorithm,
    /// The algorithm is implemented but not on this use's allow-list.
    #[error("jws algorithm not allowed here")]
    AlgorithmNotAllowed,
    /// The header lists critical extensions, which are not understood.
    #[error("jws has unsupported critical header parameters")]
    UnsupportedCritical,
    /// No held key matches the token's `kid` (a refetch of the JWKS may help).
    #[error("no key matches the token's key id")]
    UnknownKey,
    /// Keys exist but none fits the token's algorithm.
    #[error("no key usable with the token's algorithm")]
    NoCompatibleKey,
    /// The signature does not verify.
    #[error("invalid signature")]
    BadSignature,
    /// A JWK or JWKS document could not be parsed at all.
    #[error("malformed jwk")]
    MalformedKey,
    /// A private key was refused by the crypto backend (wrong format or curve,
    /// inconsistent RSA parameters).
    #[error("invalid signing key")]
    InvalidSigningKey,
    /// Signing failed inside the crypto backend.
    #[error("signing failed")]
    SigningFailed,
}
