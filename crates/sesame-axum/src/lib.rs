//! # sesame-axum
//!
//! "Login with …" for Axum in a few lines. All protocol logic lives in
//! [`sesame_core`] (the rules) and [`sesame_reqwest`] (the network); this
//! crate only maps Axum requests and responses.
//!
//! ```no_run
//! use axum::{response::IntoResponse, Json, Router};
//! use sesame_axum::SesameAuth;
//! use sesame_core::{client::*, login::LoginService, provider::Provider, seal::*};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let google = Client::new(
//!     Provider::openid("google", "Google", "https://accounts.google.com")?,
//!     ClientConfig::new("id", "https://app.example.com/auth/google/callback".parse()?).secret("secret"),
//! )?;
//! let service = LoginService::new(Sealer::new(SealingKey::from_bytes([7; 32]))).provider(google);
//! let auth = SesameAuth::new(service)?.on_login(|login: Login| async move {
//!     // Start your own session here; then:
//!     Json(login.identity).into_response()
//! });
//! let app: Router = Router::new().nest("/auth", auth.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Routes of [`SesameAuth::router`]:
//!
//! * `GET  /{provider}/login?return_to=/path` — 303 to the provider, sets the login cookie.
//! * `GET  /{provider}/callback` and `POST /{provider}/callback` (form_post) —
//!   runs the exchange and calls your `on_login` handler, or `on_error`.

#![deny(missing_docs)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sesame_core::client::{CallbackParams, Login};
use sesame_core::login::LoginService;
use sesame_reqwest::{Error, HttpError, Sesame};

pub use sesame_core;
pub use sesame_reqwest;

type LoginHandler =
    Arc<dyn Fn(Login) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync>;
type ErrorHandler = Arc<dyn Fn(Error) -> Response + Send + Sync>;

/// The longest a whole callback (token, keys, userinfo) may take.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(30);

/// Login routes for Axum. Cheap to clone; holds no per-login state.
#[derive(Clone)]
pub struct SesameAuth {
    service: Arc<LoginService>,
    driver: Arc<Sesame>,
    on_login: LoginHandler,
    on_error: ErrorHandler,
}

impl std::fmt::Debug for SesameAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SesameAuth")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

/// The default error answer: the status and `{"error", "error_description"}` JSON.
pub fn default_error_response(err: Error) -> Response {
    to_axum(err.to_response())
}

fn to_axum(resp: http::Response<Vec<u8>>) -> Response {
    resp.map(Body::from)
}

impl SesameAuth {
    /// Routes for these providers with a default [`Sesame`] driver. The
    /// default `on_login` answers the identity as JSON.
    pub fn new(service: LoginService) -> Result<Self, HttpError> {
        Ok(Self::with_driver(service, Arc::new(Sesame::new()?)))
    }

    /// Routes sharing an existing driver (and its caches).
    pub fn with_driver(service: LoginService, driver: Arc<Sesame>) -> Self {
        Self {
            service: Arc::new(service),
            driver,
            on_login: Arc::new(|login: Login| {
                Box::pin(async move { axum::Json(login.identity).into_response() })
            }),
            on_error: Arc::new(default_error_response),
        }
    }

    /// Sets the handler called with every successful login. It returns the
    /// app's own response (and decides how to keep the session).
    pub fn on_login<F, Fut, R>(mut self, handler: F) -> Self
    where
        F: Fn(Login) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoResponse,
    {
        let handler = Arc::new(handler);
        self.on_login = Arc::new(move |login| {
            let h = Arc::clone(&handler);
            Box::pin(async move { h(login).await.into_response() })
        });
        self
    }

    /// Sets the handler for failed logins (the default answers JSON).
    pub fn on_error<F>(mut self, handler: F) -> Self
    where
        F: Fn(Error) -> Response + Send + Sync + 'static,
    {
        self.on_error = Arc::new(handler);
        self
    }

    /// The driver (for refreshes, or to share its caches).
    pub fn driver(&self) -> &Arc<Sesame> {
        &self.driver
    }

    /// The login service.
    pub fn service(&self) -> &LoginService {
        &self.service
    }

    /// The router: `/{provider}/login` and `/{provider}/callback`. Nest it
    /// where your redirect URIs point (e.g. `/auth`).
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let login = self.clone();
        let cb_get = self.clone();
        let cb_post = self.clone();
        Router::new()
            .route(
                "/{provider}/login",
                get(move |Path(p): Path<String>, RawQuery(q): RawQuery| async move { login.login(&p, q.as_deref()).await }),
            )
            .route(
                "/{provider}/callback",
                get(move |Path(p): Path<String>, RawQuery(q): RawQuery, headers: HeaderMap| async move {
                    cb_get.callback(&p, q.as_deref().unwrap_or(""), None, &headers).await
                })
                .post(move |Path(p): Path<String>, headers: HeaderMap, body: Bytes| async move {
                    cb_post.callback(&p, "", Some(&body), &headers).await
                }),
            )
            .layer(DefaultBodyLimit::max(sesame_core::client::MAX_CALLBACK_LEN))
    }

    /// Answers a login request for `provider` (use it in routes of your own).
    /// `query` is the raw query string; its `return_to` is honoured.
    pub async fn login(&self, provider: &str, query: Option<&str>) -> Response {
        let return_to = match return_to_param(query) {
            Ok(r) => r,
            Err(e) => return (self.on_error)(e),
        };
        match self
            .driver
            .start_login(&self.service, provider, return_to.as_deref())
            .await
        {
            Ok(redirect) => {
                let mut resp = StatusCode::SEE_OTHER.into_response();
                let h = resp.headers_mut();
                if let (Ok(loc), Ok(cookie)) = (
                    HeaderValue::from_str(redirect.location.as_str()),
                    HeaderValue::from_str(&redirect.set_cookie),
                ) {
                    h.insert(http::header::LOCATION, loc);
                    h.append(http::header::SET_COOKIE, cookie);
                    h.insert(
                        http::header::CACHE_CONTROL,
                        HeaderValue::from_static("no-store"),
                    );
                    resp
                } else {
                    (self.on_error)(Error::Unavailable("authorization endpoint"))
                }
            }
            Err(e) => (self.on_error)(e),
        }
    }

    /// Answers a callback for `provider`: `query` for GET, `form` for a
    /// form_post body.
    pub async fn callback(
        &self,
        provider: &str,
        query: &str,
        form: Option<&[u8]>,
        headers: &HeaderMap,
    ) -> Response {
        let params = match form {
            Some(body) => CallbackParams::from_form(body),
            None => CallbackParams::from_query(query),
        };
        let cookies = headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok());
        let outcome = tokio::time::timeout(
            CALLBACK_TIMEOUT,
            self.driver
                .complete_login(&self.service, provider, params, cookies),
        )
        .await;
        let (mut resp, clear) = match outcome {
            Ok(o) => match o.result {
                Ok(login) => ((self.on_login)(login).await, o.clear_cookie),
                Err(e) => ((self.on_error)(e), o.clear_cookie),
            },
            Err(_) => (
                (self.on_error)(Error::Http {
                    endpoint: "provider",
                    source: HttpError::Timeout,
                }),
                None,
            ),
        };
        if let Some(v) = clear.and_then(|c| HeaderValue::from_str(&c).ok()) {
            resp.headers_mut().append(http::header::SET_COOKIE, v);
        }
        resp
    }
}

fn return_to_param(query: Option<&str>) -> Result<Option<String>, Error> {
    let Some(q) = query else { return Ok(None) };
    let pairs =
        sesame_core::http_util::parse_params(q.as_bytes(), sesame_core::client::MAX_CALLBACK_LEN)
            .map_err(|e| Error::Login(e.into()))?;
    Ok(pairs
        .into_iter()
        .find(|(k, _)| k == "return_to")
        .map(|(_, v)| v))
}
