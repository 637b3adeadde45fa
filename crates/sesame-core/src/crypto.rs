//! The one seam between Sesame and its cryptography library.
//!
//! Every signature, verification, digest, HMAC and AEAD operation of this
//! crate goes through this module. Which library does the work is chosen at
//! build time:
//!
//! * [ring](https://docs.rs/ring) by default;
//! * [aws-lc-rs](https://docs.rs/aws-lc-rs) with the cargo feature
//!   `aws-lc-rs` (on `sesame-core`, or forwarded by `sesame-server`).
//!
//! Both produce the same bytes for the same inputs (signatures, hashes,
//! sealed values are interchangeable); only speed differs. [`BACKEND`]
//! names the one compiled in. The public API of the crate does not change
//! with the feature: [`crate::random::Random`] stays implemented for
//! `ring::rand::SystemRandom`, which remains a dependency either way.
//!
//! The public functions here are the few that crates built on this one
//! need, so that they too follow the choice:
//!
//! ```
//! use sesame_core::crypto;
//! assert_eq!(
//!     sesame_core::base64url::encode(crypto::sha256(b"abc")),
//!     "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0",
//! );
//! assert_eq!(crypto::hmac_sha256(b"key", b"message").len(), 32);
//! assert!(["ring", "aws-lc-rs"].contains(&crypto::BACKEND));
//! ```

#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs as backend;
#[cfg(not(feature = "aws-lc-rs"))]
use ring as backend;

pub(crate) use backend::{aead, digest, hmac, rsa, signature};

/// The generator the backend uses *inside* its own operations (ECDSA
/// nonces, RSA blinding, key generation). Protocol randomness always comes
/// from the caller's [`crate::random::Random`].
pub(crate) use backend::rand::SystemRandom;

/// The cryptography library compiled in: `"ring"` or `"aws-lc-rs"`.
#[cfg(not(feature = "aws-lc-rs"))]
pub const BACKEND: &str = "ring";
/// The cryptography library compiled in: `"ring"` or `"aws-lc-rs"`.
#[cfg(feature = "aws-lc-rs")]
pub const BACKEND: &str = "aws-lc-rs";

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, bytes).as_ref());
    out
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(hmac::sign(&hmac_sha256_key(key), message).as_ref());
    out
}

/// A new SHA-256 context, for hashing in several pieces.
pub(crate) fn sha256_context() -> digest::Context {
    digest::Context::new(&digest::SHA256)
}

/// An HMAC-SHA256 key.
pub(crate) fn hmac_sha256_key(secret: &[u8]) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, secret)
}

/// A P-256 signing key from PKCS#8 (ring checks the key with a
/// generator; aws-lc-rs needs none).
pub(crate) fn p256_from_pkcs8(pkcs8: &[u8], rng: &SystemRandom) -> Option<signature::EcdsaKeyPair> {
    let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
    #[cfg(not(feature = "aws-lc-rs"))]
    let key = signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8, rng);
    #[cfg(feature = "aws-lc-rs")]
    let key = {
        let _ = rng;
        signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8)
    };
    key.ok()
}

/// A P-256 signing key from its private scalar and public point
/// (uncompressed, `0x04 ‖ x ‖ y`).
pub(crate) fn p256_from_private_and_public(
    private: &[u8],
    public: &[u8],
    rng: &SystemRandom,
) -> Option<signature::EcdsaKeyPair> {
    let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
    #[cfg(not(feature = "aws-lc-rs"))]
    let key = signature::EcdsaKeyPair::from_private_key_and_public_key(alg, private, public, rng);
    #[cfg(feature = "aws-lc-rs")]
    let key = {
        let _ = rng;
        signature::EcdsaKeyPair::from_private_key_and_public_key(alg, private, public)
    };
    key.ok()
}

/// The length of an RSA key's signatures: its modulus, in bytes.
pub(crate) fn rsa_signature_len(key: &signature::RsaKeyPair) -> usize {
    #[cfg(not(feature = "aws-lc-rs"))]
    let len = key.public().modulus_len();
    #[cfg(feature = "aws-lc-rs")]
    let len = key.public_modulus_len();
    len
}
