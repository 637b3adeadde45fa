//! Proof Key for Code Exchange (RFC 7636), S256 only.
//!
//! The `plain` method offers no protection when the authorization request
//! leaks, so Sesame neither sends nor accepts it.
//!
//! ```
//! use sesame_core::pkce::{challenge_s256, Verifier};
//! // RFC 7636, Appendix B.
//! let v = Verifier::from_string("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
//! assert_eq!(v.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
//! assert_eq!(challenge_s256(v.expose()), v.challenge());
//! ```

use std::fmt;

use crate::random::{Random, RandomError};

/// The only code challenge method Sesame uses.
pub const METHOD_S256: &str = "S256";

/// A PKCE code verifier: 43 to 128 characters from the unreserved set.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier(String);

/// A string is not a valid RFC 7636 code verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid pkce code verifier")]
pub struct InvalidVerifier;

impl Verifier {
    /// A fresh verifier from 32 random bytes (43 characters).
    pub fn generate(rng: &dyn Random) -> Result<Self, RandomError> {
        crate::random::random_b64(rng, 32).map(Self)
    }

    /// Parses a verifier, checking its length and alphabet.
    pub fn from_string(s: impl Into<String>) -> Result<Self, InvalidVerifier> {
        let s = s.into();
        if is_valid_verifier(&s) {
            Ok(Self(s))
        } else {
            Err(InvalidVerifier)
        }
    }

    /// The S256 challenge: unpadded base64url of SHA-256 of the verifier.
    pub fn challenge(&self) -> String {
        challenge_s256(&self.0)
    }

    /// The verifier itself, for the token request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier([redacted])")
    }
}

/// Whether `s` is 43–128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
pub fn is_valid_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 code challenge of a verifier.
pub fn challenge_s256(verifier: &str) -> String {
    crate::base64url::encode(crate::crypto::sha256(verifier.as_bytes()))
}

/// Checks a verifier against a stored S256 challenge, in constant time.
///
/// The challenge must be in the standard unpadded form; a verifier of the
/// wrong shape never matches.
pub fn verify_s256(verifier: &str, challenge: &str) -> bool {
    is_valid_verifier(verifier)
        && crate::constant_time::eq(challenge_s256(verifier).as_bytes(), challenge.as_bytes())
}
