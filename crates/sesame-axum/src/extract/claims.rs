//! The validated claims of the request's bearer token.

use sesame_core::resource::{AccessClaims, BearerError, FromAccessClaims};

use sesame_core::resource::Refusal;

use crate::BearerRejection;

/// The validated claims of the request's bearer token (needs [`BearerLayer`](crate::BearerLayer)):
/// [`AccessClaims`] by default, or your own type deserialized from the
/// token's claims — `Claims<MyClaims>` (see [`FromAccessClaims`]); a
/// token whose claims don't fit gets 403, like a missing required claim.
#[derive(Debug, Clone)]
pub struct Claims<T = AccessClaims>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Claims<T>
where
    S: Send + Sync,
    T: FromAccessClaims,
{
    type Rejection = BearerRejection;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let refuse = |e| BearerRejection(Refusal::in_realm_of(&parts.extensions, e));
        let claims = parts
            .extensions
            .get::<AccessClaims>()
            .ok_or_else(|| refuse(BearerError::Missing))?;
        T::from_access_claims(claims).map(Claims).map_err(refuse)
    }
}
