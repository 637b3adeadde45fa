//! Sessions on Poem: the middleware that loads a request's session before
//! the endpoint and saves it (or clears its cookie) after.

use std::sync::Arc;

use poem::{IntoResponse, Request, Response};
use sesame_reqwest::SessionManager;

/// Loads the session of every request it wraps (for the [`Session`](crate::Session)
/// and [`CurrentUser`](crate::CurrentUser) extractors) and adds the
/// response's session cookies. Get it from [`SesameAuth::session_middleware`](crate::SesameAuth::session_middleware).
#[derive(Debug, Clone)]
pub struct SessionMiddleware {
    manager: Arc<SessionManager>,
}

impl SessionMiddleware {
    /// A middleware for these sessions.
    pub fn new(manager: Arc<SessionManager>) -> Self {
        Self { manager }
    }
}

impl<E: poem::Endpoint> poem::Middleware<E> for SessionMiddleware {
    type Output = SessionEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        SessionEndpoint {
            inner: ep,
            manager: Arc::clone(&self.manager),
        }
    }
}

/// The endpoint of [`SessionMiddleware`].
#[derive(Debug)]
pub struct SessionEndpoint<E> {
    inner: E,
    manager: Arc<SessionManager>,
}

impl<E: poem::Endpoint> poem::Endpoint for SessionEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let slot = self.manager.load(req.headers()).await;
        req.extensions_mut().insert(slot.clone());
        let mut response = match self.inner.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        slot.finish_into(response.headers_mut()).await;
        Ok(response)
    }
}
