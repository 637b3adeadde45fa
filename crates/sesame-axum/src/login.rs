//! The login and callback routes.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sesame_core::client::{Login, MAX_CALLBACK_LEN};
use sesame_reqwest::Error;

use crate::to_axum;

sesame_reqwest::sesame_auth_type!(
    /// Login routes for Axum. Cheap to clone; holds no per-login state.
    SesameAuth,
    Response,
    IntoResponse,
    to_axum
);

/// The default error answer: the status and `{"error", "error_description"}` JSON.
pub fn default_error_response(err: Error) -> Response {
    to_axum(err.to_response())
}

fn default_login_response(login: Login) -> Response {
    axum::Json(login.identity).into_response()
}

impl SesameAuth {
    /// The router: `/{provider}/login` and `/{provider}/callback`. Nest it
    /// where your redirect URIs point (e.g. `/auth`).
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let (login, cb_get, cb_post) = (self.clone(), self.clone(), self.clone());
        Router::new()
            .route(
                "/{provider}/login",
                get(move |Path(p): Path<String>, RawQuery(q): RawQuery| async move { login.login(&p, q.as_deref()).await }),
            )
            .route(
                "/{provider}/callback",
                get(move |Path(p): Path<String>, RawQuery(q): RawQuery, headers: HeaderMap| async move {
                    cb_get.callback(&p, q.as_deref(), None, &headers).await
                })
                .post(move |Path(p): Path<String>, headers: HeaderMap, body: Bytes| async move {
                    cb_post.callback(&p, None, Some(&body), &headers).await
                }),
            )
            .layer(DefaultBodyLimit::max(MAX_CALLBACK_LEN))
    }
}
