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

#[cfg(feature = "openapi")]
pub mod openapi;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, RawQuery};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sesame_core::client::{Login, MAX_CALLBACK_LEN};
use sesame_reqwest::Error;

pub use sesame_core;
pub use sesame_reqwest;

sesame_reqwest::sesame_auth_type!(
    /// Login routes for Axum. Cheap to clone; holds no per-login state.
    SesameAuth,
    Response,
    IntoResponse
);

/// Converts a core response into an Axum response.
pub fn to_axum(response: http::Response<Vec<u8>>) -> Response {
    response.map(Body::from)
}

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
                    cb_get.callback(&p, q.as_deref().unwrap_or(""), None, &headers).await
                })
                .post(move |Path(p): Path<String>, headers: HeaderMap, body: Bytes| async move {
                    cb_post.callback(&p, "", Some(&body), &headers).await
                }),
            )
            .layer(DefaultBodyLimit::max(MAX_CALLBACK_LEN))
    }

    /// Answers a login request for `provider` (use it in routes of your own).
    /// `query` is the raw query string; its `return_to` is honoured.
    pub async fn login(&self, provider: &str, query: Option<&str>) -> Response {
        to_axum(self.routes.login(provider, query).await)
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
        self.routes
            .callback(provider, Some(query), form, headers, Response::headers_mut)
            .await
    }
}

/// Mounts an authorization server (`sesame_core::server::AuthServerService`):
/// discovery, JWKS, `/authorize` with its login page, `/token`, `/revoke`,
/// `/introspect`, `/userinfo`. Merge it at the root of the issuer's URL.
pub fn authorization_server<S: Clone + Send + Sync + 'static>(
    service: std::sync::Arc<sesame_core::server::AuthServerService>,
) -> Router<S> {
    let rng = std::sync::Arc::new(ring::rand::SystemRandom::new());
    let handler = move |request: axum::extract::Request| {
        let (service, rng) = (std::sync::Arc::clone(&service), std::sync::Arc::clone(&rng));
        async move {
            let (parts, body) = request.into_parts();
            let Ok(bytes) =
                axum::body::to_bytes(body, sesame_core::server::MAX_PARAMS_LEN * 2).await
            else {
                return to_axum(sesame_core::login::json_response(
                    413,
                    &serde_json::json!({"error": "invalid_request"}),
                ));
            };
            let request = http::Request::from_parts(parts, bytes.to_vec());
            to_axum(
                service
                    .handle(request, std::time::SystemTime::now(), rng.as_ref())
                    .await,
            )
        }
    };
    sesame_core::server::ROUTES
        .iter()
        .fold(Router::new(), |r, path| {
            r.route(path, axum::routing::any(handler.clone()))
        })
}

/// Bearer-token protection for API routes: a tower [`Layer`](tower::Layer)
/// that validates the token (via [`sesame_reqwest::BearerAuth`]), checks a
/// [`Guard`](sesame_core::resource::Guard), answers RFC 6750 refusals, and
/// hands the validated [`Claims`] to handlers.
///
/// ```no_run
/// # async fn demo(auth: sesame_reqwest::BearerAuth) {
/// use axum::{routing::get, Router};
/// use sesame_axum::{BearerLayer, Claims};
/// use sesame_core::resource::Guard;
/// let api: Router = Router::new()
///     .route("/me", get(|Claims(c): Claims| async move { c.subject }))
///     .route_layer(BearerLayer::new(auth, Guard::new().scope("api:read")));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct BearerLayer {
    auth: Arc<sesame_reqwest::BearerAuth>,
    guard: Arc<sesame_core::resource::Guard>,
}

impl BearerLayer {
    /// Requires a valid token satisfying `guard`.
    pub fn new(auth: sesame_reqwest::BearerAuth, guard: sesame_core::resource::Guard) -> Self {
        Self {
            auth: Arc::new(auth),
            guard: Arc::new(guard),
        }
    }
}

impl<S> tower::Layer<S> for BearerLayer {
    type Service = BearerService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        BearerService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service of [`BearerLayer`].
#[derive(Debug, Clone)]
pub struct BearerService<S> {
    inner: S,
    layer: BearerLayer,
}

impl<S> tower::Service<axum::extract::Request> for BearerService<S>
where
    S: tower::Service<axum::extract::Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: axum::extract::Request) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            match layer
                .auth
                .authenticate(request.headers(), &layer.guard)
                .await
            {
                Ok(claims) => {
                    request.extensions_mut().insert(claims);
                    request
                        .extensions_mut()
                        .insert(BearerRealm(layer.auth.realm_name().to_owned()));
                    inner.call(request).await
                }
                Err(e) => Ok(to_axum(layer.auth.refusal(&e))),
            }
        })
    }
}

/// The validated claims of the request's bearer token (needs [`BearerLayer`]):
/// [`AccessClaims`](sesame_core::resource::AccessClaims) by default, or
/// your own type deserialized from the token's claims — `Claims<MyClaims>`
/// (see [`FromAccessClaims`](sesame_core::resource::FromAccessClaims)); a
/// token whose claims don't fit gets 403, like a missing required claim.
#[derive(Debug, Clone)]
pub struct Claims<T = sesame_core::resource::AccessClaims>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Claims<T>
where
    S: Send + Sync,
    T: sesame_core::resource::FromAccessClaims,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        use sesame_core::resource::{AccessClaims, BearerError};
        let realm = parts
            .extensions
            .get::<BearerRealm>()
            .map_or("api", |r| r.0.as_str());
        let refuse = |e: BearerError| to_axum(e.to_response(realm));
        let claims = parts
            .extensions
            .get::<AccessClaims>()
            .ok_or_else(|| refuse(BearerError::Missing))?;
        T::from_access_claims(claims).map(Claims).map_err(refuse)
    }
}

/// The request's bearer token itself, validated by [`BearerLayer`] — for
/// relaying it to a downstream API. Redacted in `Debug`; `expose()` it only
/// to send it on.
#[derive(Debug, Clone)]
pub struct Bearer(pub sesame_core::Secret);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Bearer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        use sesame_core::resource::{extract_bearer, AccessClaims, BearerError};
        // Only once the layer has validated it.
        let validated = parts.extensions.get::<AccessClaims>().is_some();
        match extract_bearer(&parts.headers) {
            Ok(token) if validated => Ok(Bearer(sesame_core::Secret::new(token))),
            _ => Err(to_axum(BearerError::Missing.to_response("api"))),
        }
    }
}

/// The realm of the [`BearerLayer`] that validated the request, for the
/// extractors' refusals.
#[derive(Debug, Clone)]
struct BearerRealm(String);
