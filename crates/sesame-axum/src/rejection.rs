//! The extractors' refusal.

use axum::response::{IntoResponse, Response};
use sesame_core::resource::BearerError;

use crate::to_axum;

/// Why [`Claims`](crate::Claims) or [`Bearer`](crate::Bearer) refused a
/// request: the RFC 6750 answer in the realm of the [`BearerLayer`](crate::BearerLayer)
/// that validated it (401 without a validated token, 403 for claims that
/// don't fit the app's type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerRejection {
    /// The refusal.
    pub error: BearerError,
    /// The realm named in `WWW-Authenticate`.
    pub realm: String,
}

impl IntoResponse for BearerRejection {
    fn into_response(self) -> Response {
        to_axum(self.error.to_response(&self.realm))
    }
}

/// The realm of the [`BearerLayer`](crate::BearerLayer) that validated the
/// request, kept in the request's extensions for the extractors.
#[derive(Debug, Clone)]
pub(crate) struct BearerRealm(pub(crate) String);

impl BearerRealm {
    /// The refusal `error` in the request's realm (`api` when no layer ran).
    pub(crate) fn refuse(extensions: &http::Extensions, error: BearerError) -> BearerRejection {
        let realm = extensions
            .get::<BearerRealm>()
            .map_or("api", |r| r.0.as_str())
            .to_owned();
        BearerRejection { error, realm }
    }
}
