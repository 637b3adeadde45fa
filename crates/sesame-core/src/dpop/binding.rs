//! Token binding: the `cnf.jkt` claim (RFC 9449 §6) and the `ath` hash
//! (RFC 9449 §4.2).

use serde_json::{Map, Value};

/// Why an access token's binding does not match a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BindingError {
    /// The token has no `cnf.jkt`: it is a bearer token, not a DPoP one.
    #[error("token not bound to a key")]
    NotBound,
    /// `cnf` is not an object, or `cnf.jkt` is not a string.
    #[error("malformed cnf claim")]
    Malformed,
    /// The token is bound to another key than the proof's.
    #[error("token bound to another key")]
    KeyMismatch,
}

/// The `ath` claim for an access token: the unpadded base64url SHA-256 of
/// its ASCII bytes.
///
/// ```
/// // RFC 9449 §7.1's example token and hash.
/// assert_eq!(
///     sesame_core::dpop::ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
///     "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo",
/// );
/// ```
pub fn ath(access_token: &str) -> String {
    let digest = crate::crypto::sha256(access_token.as_bytes());
    crate::base64url::encode(digest.as_ref())
}

/// The `cnf` claim an authorization server puts into a token bound to the
/// key with thumbprint `jkt`: `{"jkt": jkt}`.
pub fn cnf_claim(jkt: &str) -> Value {
    let mut cnf = Map::new();
    cnf.insert("jkt".into(), Value::String(jkt.to_owned()));
    Value::Object(cnf)
}

/// Whether a token's claims bind it to a key (`cnf.jkt` is present): such a
/// token must come with a DPoP proof, never as a plain bearer token.
pub fn is_bound(claims: &Map<String, Value>) -> bool {
    claims
        .get("cnf")
        .and_then(Value::as_object)
        .is_some_and(|cnf| cnf.contains_key("jkt"))
}

/// Checks that a token's `cnf.jkt` names the key that signed the proof
/// (`proof_jkt`, from [`crate::dpop::CheckedProof::jkt`]). The comparison
/// takes constant time.
///
/// ```
/// use sesame_core::dpop::{cnf_claim, confirm, BindingError};
/// let mut claims = serde_json::Map::new();
/// assert_eq!(confirm(&claims, "abc"), Err(BindingError::NotBound));
/// claims.insert("cnf".into(), cnf_claim("abc"));
/// assert_eq!(confirm(&claims, "abc"), Ok(()));
/// assert_eq!(confirm(&claims, "abd"), Err(BindingError::KeyMismatch));
/// ```
pub fn confirm(claims: &Map<String, Value>, proof_jkt: &str) -> Result<(), BindingError> {
    let cnf = match claims.get("cnf") {
        None => return Err(BindingError::NotBound),
        Some(Value::Object(cnf)) => cnf,
        Some(_) => return Err(BindingError::Malformed),
    };
    let jkt = match cnf.get("jkt") {
        None => return Err(BindingError::NotBound),
        Some(Value::String(jkt)) => jkt,
        Some(_) => return Err(BindingError::Malformed),
    };
    if crate::constant_time::eq(jkt.as_bytes(), proof_jkt.as_bytes()) {
        Ok(())
    } else {
        Err(BindingError::KeyMismatch)
    }
}
