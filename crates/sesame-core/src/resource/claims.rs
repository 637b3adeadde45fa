//! A validated access token's claims, and the app's own claim types.

use std::time::SystemTime;

use serde_json::{Map, Value};

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
    /// Every claim.
    pub claims: Map<String, Value>,
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
        T::deserialize(&Value::Object(claims.claims.clone())).map_err(|_| BearerError::Forbidden)
    }
}
