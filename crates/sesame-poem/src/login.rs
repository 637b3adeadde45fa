//! The login and callback routes.

use poem::endpoint::make;
use poem::http::{Method, StatusCode};
use poem::{IntoResponse, Request, Response, Route};
use sesame_core::client::{Login, MAX_CALLBACK_LEN};
use sesame_core::http_util::ParamsError;
use sesame_reqwest::Error;

use crate::to_poem;

sesame_reqwest::sesame_auth_type!(
    /// Login routes for Poem. Cheap to clone; holds no per-login state.
    SesameAuth,
    Response,
    IntoResponse,
    to_poem
);

/// The default error answer: the status and `{"error", "error_description"}` JSON.
pub fn default_error_response(err: Error) -> Response {
    to_poem(err.to_response())
}

fn default_login_response(login: Login) -> Response {
    poem::web::Json(login.identity).into_response()
}

impl SesameAuth {
    /// The routes: `/:provider/login` and `/:provider/callback`. Nest them
    /// where your redirect URIs point (e.g. `/auth`).
    pub fn route(&self) -> Route {
        let (login, callback) = (self.clone(), self.clone());
        Route::new()
            .at(
                "/:provider/login",
                make(move |req: Request| {
                    let auth = login.clone();
                    async move {
                        let provider = req
                            .raw_path_param("provider")
                            .unwrap_or_default()
                            .to_owned();
                        auth.login(&provider, req.uri().query()).await
                    }
                }),
            )
            .at(
                "/:provider/link",
                make({
                    let link = self.clone();
                    move |req: Request| {
                        let auth = link.clone();
                        async move {
                            let provider = req
                                .raw_path_param("provider")
                                .unwrap_or_default()
                                .to_owned();
                            auth.link(&provider, req.uri().query(), req.headers()).await
                        }
                    }
                }),
            )
            .at(
                "/:provider/callback",
                make(move |req: Request| {
                    let auth = callback.clone();
                    async move { auth.callback_request(req).await }
                }),
            )
    }

    /// The session middleware for the endpoints that read the session
    /// ([`Session`](crate::Session), [`CurrentUser`](crate::CurrentUser)).
    ///
    /// # Panics
    /// When sessions are off (call [`SesameAuth::with_sessions`] first).
    #[allow(clippy::expect_used)]
    pub fn session_middleware(&self) -> crate::SessionMiddleware {
        crate::SessionMiddleware::new(std::sync::Arc::clone(
            self.sessions()
                .expect("SesameAuth::with_sessions must be called before session_middleware"),
        ))
    }

    /// The logout routes: `GET /logout`, `GET /logout/callback` (state
    /// checked, then a 303 to `after_logout`) and `POST /backchannel-logout`.
    ///
    /// # Panics
    /// When sessions are off (call [`SesameAuth::with_sessions`] first).
    #[allow(clippy::expect_used)]
    pub fn logout_route(&self, after_logout: &str) -> Route {
        let m = std::sync::Arc::clone(
            self.sessions()
                .expect("SesameAuth::with_sessions must be called before logout_route"),
        );
        let (a, b, c) = (m.clone(), m.clone(), m);
        let after = after_logout.to_owned();
        Route::new()
            .at(
                "/logout",
                make(move |req: Request| {
                    let m = a.clone();
                    async move { to_poem(m.logout(req.headers()).await) }
                }),
            )
            .at(
                "/logout/callback",
                make(move |req: Request| {
                    let (m, after) = (b.clone(), after.clone());
                    async move {
                        let (result, clear) = m.logout_return(req.uri().query(), req.headers());
                        let mut resp = match result {
                            Ok(()) => sesame_core::response::see_other(&after),
                            Err(e) => e.to_response(),
                        };
                        sesame_core::cookie::append_cookies(resp.headers_mut(), [clear]);
                        to_poem(resp)
                    }
                }),
            )
            .at(
                "/backchannel-logout",
                make(move |req: Request| {
                    let m = c.clone();
                    async move {
                        if req.method() != Method::POST {
                            return StatusCode::METHOD_NOT_ALLOWED.into_response();
                        }
                        match req
                            .into_body()
                            .into_bytes_limit(sesame_core::session::MAX_LOGOUT_BODY)
                            .await
                        {
                            Ok(body) => to_poem(m.backchannel_logout(&body).await),
                            Err(_) => to_poem(sesame_core::session::backchannel_response(&Err(
                                sesame_core::session::LogoutTokenError::Missing,
                            ))),
                        }
                    }
                }),
            )
    }

    async fn callback_request(&self, req: Request) -> Response {
        let provider = req
            .raw_path_param("provider")
            .unwrap_or_default()
            .to_owned();
        let (parts, body) = req.into_parts();
        let form = match parts.method {
            Method::GET => None,
            Method::POST => match body.into_bytes_limit(MAX_CALLBACK_LEN).await {
                Ok(b) => Some(b),
                Err(_) => {
                    return default_error_response(Error::Login(ParamsError::TooLarge.into()))
                }
            },
            _ => return StatusCode::METHOD_NOT_ALLOWED.into_response(),
        };
        self.callback(
            &provider,
            parts.uri.query(),
            form.as_deref(),
            &parts.headers,
        )
        .await
    }
}
