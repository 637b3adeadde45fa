//! The request's validated bearer token itself.

use poem::{Request, RequestBody};
use sesame_core::resource::{extract_credentials, AccessClaims, BearerError};
use sesame_core::Secret;

use sesame_core::resource::Refusal;

use crate::BearerRejection;

/// The request's access token itself (`Bearer` or `DPoP`), validated by [`BearerMiddleware`](crate::BearerMiddleware) —
/// for relaying it to a downstream API. Redacted in `Debug`; `expose()` it
/// only to send it on. Refusals are a [`BearerRejection`](crate::BearerRejection).
#[derive(Debug, Clone)]
pub struct Bearer(pub Secret);

impl<'a> poem::FromRequest<'a> for Bearer {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        // Only once the middleware has validated it.
        let validated = req.extensions().get::<AccessClaims>().is_some();
        match extract_credentials(req.headers()) {
            Ok((_, token)) if validated => Ok(Bearer(Secret::new(token))),
            _ => Err(
                BearerRejection(Refusal::in_realm_of(req.extensions(), BearerError::Missing))
                    .into(),
            ),
        }
    }
}
