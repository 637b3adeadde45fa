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
                "/:provider/callback",
                make(move |req: Request| {
                    let auth = callback.clone();
                    async move { auth.callback_request(req).await }
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
