//! The extractors' refusal.

use sesame_core::resource::BearerError;

use crate::to_poem;

/// Why [`Claims`](crate::Claims) or [`Bearer`](crate::Bearer) refused a
/// request: the RFC 6750 answer in the realm of the [`BearerMiddleware`](crate::BearerMiddleware)
/// that validated it (401 without a validated token, 403 for claims that
/// don't fit the app's type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct BearerRejection {
    /// The refusal.
    pub error: BearerError,
    /// The realm named in `WWW-Authenticate`.
    pub realm: String,
}

impl poem::error::ResponseError for BearerRejection {
    fn status(&self) -> poem::http::StatusCode {
        poem::http::StatusCode::from_u16(self.error.status())
            .unwrap_or(poem::http::StatusCode::UNAUTHORIZED)
    }

    fn as_response(&self) -> poem::Response {
        to_poem(self.error.to_response(&self.realm))
    }
}

/// The realm of the [`BearerMiddleware`](crate::BearerMiddleware) that
/// validated the request, kept in the request's extensions for the extractors.
#[derive(Debug, Clone)]
pub(crate) struct BearerRealm(pub(crate) String);

impl BearerRealm {
    /// The refusal `error` in the request's realm (`api` when no middleware ran).
    pub(crate) fn refuse(extensions: &http::Extensions, error: BearerError) -> BearerRejection {
        let realm = extensions
            .get::<BearerRealm>()
            .map_or("api", |r| r.0.as_str())
            .to_owned();
        BearerRejection { error, realm }
    }
}
