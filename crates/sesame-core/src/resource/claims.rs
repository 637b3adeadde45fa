//! A validated access token's claims, and the app's own claim types.

use std::time::SystemTime;

use crate::jose::Claims;

use super::BearerError;

/// A validated access token.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AccessClaims {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `scope`, split.
    pub scopes: Vec<String>,
    /// `client_id`, if present.
    pub client_id: Option<String>,
    /// `exp`.
    pub expires_at: SystemTime,
    /// Every claim (parsed into a map on first use).
    pub claims: Claims,
    /// Whether `cnf.jkt` binds the token to a DPoP key (RFC 9449).
    pub(crate) key_bound: bool,
}

impl AccessClaims {
    /// Whether the token is bound to a DPoP key (`cnf.jkt`): it is only
    /// valid with a proof from that key.
    pub fn is_key_bound(&self) -> bool {
        self.key_bound
    }
}

/// What a handler can ask for from a validated token: [`AccessClaims`]
/// itself, or any type that deserializes from the token's claims (your
/// own struct with `sub`, `role`, `tenant`, …).
///
/// ```
/// use sesame_core::resource::{AccessClaims, FromAccessClaims};
///
/// #[derive(serde::Deserialize)]
/// struct Mine {
///     sub: String,
///     role: String,
/// }
/// # fn f(claims: &AccessClaims) {
/// let mine = Mine::from_access_claims(claims); // Err(Forbidden) if it doesn't fit
/// # }
/// ```
pub trait FromAccessClaims: Sized {
    /// Builds the value, or refuses the request (403, like a missing
    /// required claim) when the valid token's claims don't have the shape
    /// the API needs — not 401, which would send clients into re-login loops.
    fn from_access_claims(claims: &AccessClaims) -> Result<Self, BearerError>;
}

impl FromAccessClaims for AccessClaims {
    fn from_access_claims(claims: &AccessClaims) -> Result<Self, BearerError> {
        Ok(claims.clone())
    }
}

impl<T: serde::de::DeserializeOwned> FromAccessClaims for T {
    fn from_access_claims(claims: &AccessClaims) -> Result<Self, BearerError> {
        claims
            .claims
            .deserialize()
            .map_err(|_| BearerError::Forbidden)
    }
}
