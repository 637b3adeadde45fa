//! The extractors' refusal.

use poem::error::ResponseError;
use poem::http::StatusCode;
use sesame_core::resource::Refusal;

use crate::to_poem;

/// Why [`Claims`](crate::Claims) or [`Bearer`](crate::Bearer) refused a
/// request: the RFC 6750 answer in the realm of the [`BearerMiddleware`](crate::BearerMiddleware)
/// that validated it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(transparent)]
pub struct BearerRejection(pub Refusal);

impl ResponseError for BearerRejection {
    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.error.status()).unwrap_or(StatusCode::UNAUTHORIZED)
    }

    fn as_response(&self) -> poem::Response {
        to_poem(self.0.to_response())
    }
}

/// Why [`Session`](crate::Session) or [`CurrentUser`](crate::CurrentUser)
/// refused a request: 401 JSON, a 303 to the login route (for pages), or
/// 503 when the session store is down.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SessionRejection(pub sesame_reqwest::SessionRefusal);

impl ResponseError for SessionRejection {
    fn status(&self) -> StatusCode {
        self.0.response.status()
    }

    fn as_response(&self) -> poem::Response {
        to_poem(self.0.to_response())
    }
}
