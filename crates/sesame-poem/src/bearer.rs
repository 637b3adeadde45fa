//! Protecting endpoints: a middleware that validates the bearer token.

use poem::{IntoResponse, Request, Response};

use crate::to_poem;
use sesame_core::resource::{extract_credentials, Realm};

/// Bearer-token protection for API endpoints: a Poem middleware that
/// validates the token (via [`sesame_reqwest::BearerAuth`]), checks a
/// [`Guard`](sesame_core::resource::Guard), answers RFC 6750 refusals, and
/// hands the validated [`Claims`](crate::Claims) to handlers.
///
/// DPoP-bound tokens (RFC 9449) pass too when the policy accepts them
/// ([`BearerPolicy::dpop`](sesame_core::resource::BearerPolicy::dpop)): the
/// proof is checked against the request's method and original URI. Behind
/// a proxy, set [`BearerPolicy::public_origin`](sesame_core::resource::BearerPolicy::public_origin).
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
        let authenticated = self
            .mw
            .auth
            .authenticate_request(
                req.method(),
                // The whole path, also in a nested route.
                req.original_uri(),
                req.headers(),
                &self.mw.guard,
            )
            .await;
        match authenticated {
            Ok(claims) => {
                if let Ok((scheme, _)) = extract_credentials(req.headers()) {
                    // So that the extractors refuse in the same scheme.
                    req.extensions_mut().insert(scheme);
                }
                req.extensions_mut().insert(claims);
                req.extensions_mut()
                    .insert(Realm(self.mw.auth.realm_name().to_owned()));
                self.inner.call(req).await.map(IntoResponse::into_response)
            }
            Err(e) => Ok(to_poem(self.mw.auth.refusal(&e))),
        }
    }
}
