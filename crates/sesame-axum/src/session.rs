//! Sessions on Axum: the layer that loads a request's session before the
//! handler and saves it (or clears its cookie) after.

use std::sync::Arc;

use axum::response::Response;
use sesame_reqwest::SessionManager;

/// Loads the session of every request it wraps (for the [`Session`](crate::Session)
/// and [`CurrentUser`](crate::CurrentUser) extractors) and adds the
/// response's session cookies. Get it from [`SesameAuth::session_layer`](crate::SesameAuth::session_layer).
#[derive(Debug, Clone)]
pub struct SessionLayer {
    manager: Arc<SessionManager>,
}

impl SessionLayer {
    /// A layer for these sessions.
    pub fn new(manager: Arc<SessionManager>) -> Self {
        Self { manager }
    }
}

impl<S> tower::Layer<S> for SessionLayer {
    type Service = SessionService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            manager: Arc::clone(&self.manager),
        }
    }
}

/// The service of [`SessionLayer`].
#[derive(Debug, Clone)]
pub struct SessionService<S> {
    inner: S,
    manager: Arc<SessionManager>,
}

impl<S> tower::Service<axum::extract::Request> for SessionService<S>
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
        let manager = Arc::clone(&self.manager);
        Box::pin(async move {
            let slot = manager.load(request.headers()).await;
            request.extensions_mut().insert(slot.clone());
            let mut response = inner.call(request).await?;
            slot.finish_into(response.headers_mut()).await;
            Ok(response)
        })
    }
}
