//! # sesame-poem
//!
//! "Login with …" for Poem: the same routes, cookie rules, handler contract,
//! provider registry and error behaviour as `sesame-axum`. All protocol
//! logic lives in [`sesame_core`] and [`sesame_reqwest`]; this crate only
//! maps Poem requests and responses.
//!
//! ```no_run
//! use poem::{listener::TcpListener, web::Json, IntoResponse, Route, Server};
//! use sesame_poem::SesameAuth;
//! use sesame_core::{client::*, login::LoginService, provider::Provider, seal::*};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let github_like = Client::new(
//!     Provider::openid("op", "My OP", "https://id.example.com")?,
//!     ClientConfig::new("id", "https://app.example.com/auth/op/callback".parse()?).secret("secret"),
//! )?;
//! let service = LoginService::new(Sealer::new(SealingKey::from_bytes([7; 32]))).provider(github_like);
//! let auth = SesameAuth::new(service)?.on_login(|login: Login| async move {
//!     Json(login.identity).into_response()
//! });
//! let app = Route::new().nest("/auth", auth.route());
//! Server::new(TcpListener::bind("127.0.0.1:3000")).run(app).await?;
//! # Ok(()) }
//! ```
//!
//! Routes of [`SesameAuth::route`]: `GET /:provider/login?return_to=…`,
//! `GET|POST /:provider/callback`.

#![deny(missing_docs)]

#[cfg(feature = "openapi")]
pub mod openapi;

use poem::endpoint::make;
use poem::http::{HeaderMap, Method, StatusCode};
use poem::{IntoResponse, Request, Response, Route};
use sesame_core::client::{Login, MAX_CALLBACK_LEN};
use sesame_core::http_util::ParamsError;
use sesame_reqwest::Error;

pub use sesame_core;
pub use sesame_reqwest;

sesame_reqwest::sesame_auth_type!(
    /// Login routes for Poem. Cheap to clone; holds no per-login state.
    SesameAuth,
    Response,
    IntoResponse
);

/// Converts a core response into a Poem response.
pub fn to_poem(response: http::Response<Vec<u8>>) -> Response {
    let (parts, body) = response.into_parts();
    let mut out = Response::builder().status(parts.status).body(body);
    *out.headers_mut() = parts.headers;
    out
}

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

    /// Answers a login request for `provider` (use it in routes of your own).
    pub async fn login(&self, provider: &str, query: Option<&str>) -> Response {
        to_poem(self.routes.login(provider, query).await)
    }

    /// Answers a callback for `provider`: `query` for GET, `form` for a form_post body.
    pub async fn callback(
        &self,
        provider: &str,
        query: Option<&str>,
        form: Option<&[u8]>,
        headers: &HeaderMap,
    ) -> Response {
        self.routes
            .callback(provider, query, form, headers, Response::headers_mut)
            .await
    }
}

/// Mounts an authorization server (`sesame_core::server::AuthServerService`):
/// discovery, JWKS, `/authorize` with its login page, `/token`, `/revoke`,
/// `/introspect`, `/userinfo`. Nest it at the root of the issuer's URL.
pub fn authorization_server(
    service: std::sync::Arc<sesame_core::server::AuthServerService>,
) -> Route {
    let rng = std::sync::Arc::new(ring::rand::SystemRandom::new());
    let endpoint = make(move |req: Request| {
        let (service, rng) = (std::sync::Arc::clone(&service), std::sync::Arc::clone(&rng));
        async move {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = body
                .into_bytes_limit(sesame_core::server::MAX_PARAMS_LEN * 2)
                .await
            else {
                return to_poem(sesame_core::login::json_response(
                    413,
                    &serde_json::json!({"error": "invalid_request"}),
                ));
            };
            let mut request = http::Request::new(bytes.to_vec());
            *request.method_mut() = parts.method;
            *request.uri_mut() = parts.uri;
            *request.headers_mut() = parts.headers;
            to_poem(
                service
                    .handle(request, std::time::SystemTime::now(), rng.as_ref())
                    .await,
            )
        }
    });
    let endpoint = std::sync::Arc::new(endpoint);
    sesame_core::server::ROUTES
        .iter()
        .fold(Route::new(), |r, path| {
            r.at(*path, std::sync::Arc::clone(&endpoint))
        })
}

/// Bearer-token protection for API endpoints: a Poem middleware that
/// validates the token (via [`sesame_reqwest::BearerAuth`]), checks a
/// [`Guard`](sesame_core::resource::Guard), answers RFC 6750 refusals, and
/// hands the validated [`Claims`] to handlers.
#[derive(Debug, Clone)]
pub struct BearerMiddleware {
    auth: std::sync::Arc<sesame_reqwest::BearerAuth>,
    guard: std::sync::Arc<sesame_core::resource::Guard>,
}

impl BearerMiddleware {
    /// Requires a valid token satisfying `guard`.
    pub fn new(auth: sesame_reqwest::BearerAuth, guard: sesame_core::resource::Guard) -> Self {
        Self {
            auth: std::sync::Arc::new(auth),
            guard: std::sync::Arc::new(guard),
        }
    }
}

impl<E: poem::Endpoint> poem::Middleware<E> for BearerMiddleware {
    type Output = BearerEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        BearerEndpoint {
            inner: ep,
            mw: self.clone(),
        }
    }
}

/// The endpoint of [`BearerMiddleware`].
#[derive(Debug)]
pub struct BearerEndpoint<E> {
    inner: E,
    mw: BearerMiddleware,
}

impl<E: poem::Endpoint> poem::Endpoint for BearerEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        match self
            .mw
            .auth
            .authenticate(req.headers(), &self.mw.guard)
            .await
        {
            Ok(claims) => {
                req.extensions_mut().insert(claims);
                req.extensions_mut()
                    .insert(BearerRealm(self.mw.auth.realm_name().to_owned()));
                self.inner.call(req).await.map(IntoResponse::into_response)
            }
            Err(e) => Ok(to_poem(self.mw.auth.refusal(&e))),
        }
    }
}

/// The validated claims of the request's bearer token (needs [`BearerMiddleware`]):
/// [`AccessClaims`](sesame_core::resource::AccessClaims) by default, or
/// your own type deserialized from the token's claims — `Claims<MyClaims>`
/// (see [`FromAccessClaims`](sesame_core::resource::FromAccessClaims)); a
/// token whose claims don't fit gets 403, like a missing required claim.
#[derive(Debug, Clone)]
pub struct Claims<T = sesame_core::resource::AccessClaims>(pub T);

impl<'a, T: sesame_core::resource::FromAccessClaims> poem::FromRequest<'a> for Claims<T> {
    async fn from_request(req: &'a Request, _body: &mut poem::RequestBody) -> poem::Result<Self> {
        use sesame_core::resource::{AccessClaims, BearerError};
        let realm = req
            .extensions()
            .get::<BearerRealm>()
            .map_or("api", |r| r.0.as_str());
        let refuse = |e: BearerError| poem::Error::from_response(to_poem(e.to_response(realm)));
        let claims = req
            .extensions()
            .get::<AccessClaims>()
            .ok_or_else(|| refuse(BearerError::Missing))?;
        T::from_access_claims(claims).map(Claims).map_err(refuse)
    }
}

/// The request's bearer token itself, validated by [`BearerMiddleware`] —
/// for relaying it to a downstream API. Redacted in `Debug`; `expose()` it
/// only to send it on.
#[derive(Debug, Clone)]
pub struct Bearer(pub sesame_core::Secret);

impl<'a> poem::FromRequest<'a> for Bearer {
    async fn from_request(req: &'a Request, _body: &mut poem::RequestBody) -> poem::Result<Self> {
        use sesame_core::resource::{extract_bearer, AccessClaims, BearerError};
        // Only once the middleware has validated it.
        let validated = req.extensions().get::<AccessClaims>().is_some();
        match extract_bearer(req.headers()) {
            Ok(token) if validated => Ok(Bearer(sesame_core::Secret::new(token))),
            _ => Err(poem::Error::from_response(to_poem(
                BearerError::Missing.to_response("api"),
            ))),
        }
    }
}

/// The realm of the [`BearerMiddleware`] that validated the request, for
/// the extractors' refusals.
#[derive(Debug, Clone)]
pub(crate) struct BearerRealm(pub(crate) String);
