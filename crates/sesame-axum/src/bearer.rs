//! Protecting routes: a tower layer that validates the bearer token.

use std::sync::Arc;

use axum::response::Response;

use crate::to_axum;
use sesame_core::resource::{extract_credentials, Realm};

/// Bearer-token protection for API routes: a tower [`Layer`](tower::Layer)
/// that validates the token (via [`sesame_reqwest::BearerAuth`]), checks a
/// [`Guard`](sesame_core::resource::Guard), answers RFC 6750 refusals, and
/// hands the validated [`Claims`](crate::Claims) to handlers.
///
/// DPoP-bound tokens (RFC 9449) pass too when the policy accepts them
/// ([`BearerPolicy::dpop`](sesame_core::resource::BearerPolicy::dpop)): the
/// proof is checked against the request's method and its whole URI (in a
/// nested router too: the path the client sent, as axum's
/// [`OriginalUri`](axum::extract::OriginalUri) keeps it). Behind a proxy, set
/// [`BearerPolicy::public_origin`](sesame_core::resource::BearerPolicy::public_origin).
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
            // The whole path, also in a nested router.
            let uri = match request.extensions().get::<axum::extract::OriginalUri>() {
                Some(original) => original.0.clone(),
                None => request.uri().clone(),
            };
            let authenticated = layer
                .auth
                .authenticate_request(request.method(), &uri, request.headers(), &layer.guard)
                .await;
            match authenticated {
                Ok(claims) => {
                    if let Ok((scheme, _)) = extract_credentials(request.headers()) {
                        // So that the extractors refuse in the same scheme.
                        request.extensions_mut().insert(scheme);
                    }
                    request.extensions_mut().insert(claims);
                    request
                        .extensions_mut()
                        .insert(Realm(layer.auth.realm_name().to_owned()));
                    inner.call(request).await
                }
                Err(e) => Ok(to_axum(layer.auth.refusal(&e))),
            }
        })
    }
}
