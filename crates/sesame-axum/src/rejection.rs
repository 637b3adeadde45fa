//! The extractors' refusal.

use axum::response::{IntoResponse, Response};
use sesame_core::resource::Refusal;

use crate::to_axum;

/// Why [`Claims`](crate::Claims) or [`Bearer`](crate::Bearer) refused a
/// request: the RFC 6750 answer in the realm of the [`BearerLayer`](crate::BearerLayer)
/// that validated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerRejection(pub Refusal);

impl IntoResponse for BearerRejection {
    fn into_response(self) -> Response {
        to_axum(self.0.to_response())
    }
}

/// Why [`Session`](crate::Session) or [`CurrentUser`](crate::CurrentUser)
/// refused a request: 401 JSON, a 303 to the login route (for pages), or
/// 503 when the session store is down.
#[derive(Debug)]
pub struct SessionRejection(pub sesame_reqwest::SessionRefusal);

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        to_axum(*self.0.response)
    }
}
