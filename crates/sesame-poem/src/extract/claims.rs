//! The validated claims of the request's bearer token.

use poem::{Request, RequestBody};
use sesame_core::resource::{AccessClaims, BearerError, FromAccessClaims};

use sesame_core::resource::Refusal;

use crate::BearerRejection;

/// The validated claims of the request's bearer token (needs [`BearerMiddleware`](crate::BearerMiddleware)):
/// [`AccessClaims`] by default, or your own type deserialized from the
/// token's claims — `Claims<MyClaims>` (see [`FromAccessClaims`]); a
/// token whose claims don't fit gets 403, like a missing required claim.
/// Refusals are a [`BearerRejection`](crate::BearerRejection).
#[derive(Debug, Clone)]
pub struct Claims<T = AccessClaims>(pub T);

impl<'a, T: FromAccessClaims> poem::FromRequest<'a> for Claims<T> {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let refuse =
            |e| poem::Error::from(BearerRejection(Refusal::in_realm_of(req.extensions(), e)));
        let claims = req
            .extensions()
            .get::<AccessClaims>()
            .ok_or_else(|| refuse(BearerError::Missing))?;
        T::from_access_claims(claims).map(Claims).map_err(refuse)
    }
}
