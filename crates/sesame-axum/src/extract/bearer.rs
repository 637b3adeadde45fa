//! The request's validated bearer token itself.

use sesame_core::resource::{extract_credentials, AccessClaims, BearerError};
use sesame_core::Secret;

use sesame_core::resource::Refusal;

use crate::BearerRejection;

/// The request's access token itself (`Bearer` or `DPoP`), validated by [`BearerLayer`](crate::BearerLayer) — for
/// relaying it to a downstream API. Redacted in `Debug`; `expose()` it only
/// to send it on.
#[derive(Debug, Clone)]
pub struct Bearer(pub Secret);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Bearer {
    type Rejection = BearerRejection;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        // Only once the layer has validated it.
        let validated = parts.extensions.get::<AccessClaims>().is_some();
        match extract_credentials(&parts.headers) {
            Ok((_, token)) if validated => Ok(Bearer(Secret::new(token))),
            _ => Err(BearerRejection(Refusal::in_realm_of(
                &parts.extensions,
                BearerError::Missing,
            ))),
        }
    }
}
