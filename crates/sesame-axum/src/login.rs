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
            .route(
                "/{provider}/link",
                get({
                    let link = self.clone();
                    move |Path(p): Path<String>, RawQuery(q): RawQuery, headers: HeaderMap| async move {
                        link.link(&p, q.as_deref(), &headers).await
                    }
                }),
            )
            .layer(DefaultBodyLimit::max(MAX_CALLBACK_LEN))
    }

    /// The session layer for the routes whose handlers read the session
    /// ([`Session`](crate::Session), [`CurrentUser`](crate::CurrentUser)).
    ///
    /// # Panics
    /// When sessions are off (call [`SesameAuth::with_sessions`] first).
    #[allow(clippy::expect_used)]
    pub fn session_layer(&self) -> crate::SessionLayer {
        crate::SessionLayer::new(std::sync::Arc::clone(
            self.sessions()
                .expect("SesameAuth::with_sessions must be called before session_layer"),
        ))
    }

    /// The logout routes: `GET /logout` (ends the session, then the
    /// provider's logout), `GET /logout/callback` (the provider sends the
    /// browser back; the state is checked) and `POST /backchannel-logout`
    /// (the provider's logout token). `after_logout` is where the
    /// callback sends the browser (303) once the state checks out.
    ///
    /// # Panics
    /// When sessions are off (call [`SesameAuth::with_sessions`] first).
    #[allow(clippy::expect_used)]
    pub fn logout_router<S: Clone + Send + Sync + 'static>(&self, after_logout: &str) -> Router<S> {
        let m = std::sync::Arc::clone(
            self.sessions()
                .expect("SesameAuth::with_sessions must be called before logout_router"),
        );
        let (a, b, c) = (m.clone(), m.clone(), m);
        let after = after_logout.to_owned();
        Router::new()
            .route(
                "/logout",
                get(move |headers: HeaderMap| async move { to_axum(a.logout(&headers).await) }),
            )
            .route(
                "/logout/callback",
                get(
                    move |RawQuery(q): RawQuery, headers: HeaderMap| async move {
                        let (result, clear) = b.logout_return(q.as_deref(), &headers);
                        let mut resp = match result {
                            Ok(()) => sesame_core::response::see_other(&after),
                            Err(e) => e.to_response(),
                        };
                        sesame_core::cookie::append_cookies(resp.headers_mut(), [clear]);
                        to_axum(resp)
                    },
                ),
            )
            .route(
                "/backchannel-logout",
                axum::routing::post(move |body: Bytes| async move {
                    to_axum(c.backchannel_logout(&body).await)
                }),
            )
            .layer(DefaultBodyLimit::max(sesame_core::session::MAX_LOGOUT_BODY))
    }
}
