//! Serving a router with the limits every public server needs, so that a
//! client trickling its headers, idling on a kept-alive connection, or
//! opening connections by the thousand cannot hold the server.
//!
//! `axum::serve` runs hyper without a timer, so hyper's header timeout
//! never fires and nothing bounds connections; [`serve`] runs the same
//! router on hyper-util's HTTP/1.1 connection builder with a tokio timer
//! (put TLS and HTTP/2 in the proxy in front):
//!
//! * **header read timeout** ([`ServerLimits::header_read_timeout`], 10 s):
//!   hyper starts it whenever it waits for a request head — the first one,
//!   and the next one on a kept-alive connection — so it bounds slow
//!   headers and idle keep-alive alike;
//! * **request timeout** ([`ServerLimits::request_timeout`], 60 s): the
//!   whole request, body read and handler included, then `408`;
//! * **connection cap** ([`ServerLimits::max_connections`], 1024): further
//!   connections wait in the listen backlog until one closes;
//! * body sizes are capped by the routes themselves (Sesame's routes read
//!   at most their limit, and refuse a larger declared `Content-Length`
//!   before reading).
//!
//! ```no_run
//! # async fn run(app: axum::Router) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! sesame_axum::serve(listener, app, sesame_axum::ServerLimits::default()).await
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The limits [`serve`] enforces; the defaults need no thought.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerLimits {
    /// How long a client may take to send a request head, and how long a
    /// kept-alive connection may wait for its next one (default 10 s).
    pub header_read_timeout: Duration,
    /// How long one request may take, body and handler included, before it
    /// is answered `408` (default 60 s; Sesame's callback bounds its own
    /// provider calls at 30 s).
    pub request_timeout: Duration,
    /// The most connections served at once (default 1024).
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

impl ServerLimits {
    /// Sets the header read (and keep-alive idle) timeout.
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.header_read_timeout = d;
        self
    }

    /// Sets the request timeout.
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }

    /// Sets the connection cap (at least 1).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }
}

/// Serves `router` on `listener` with `limits`, until the process ends.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
) -> std::io::Result<()> {
    serve_with_shutdown(listener, router, limits, std::future::pending()).await
}

/// [`serve`], stopping to accept when `shutdown` completes (connections in
/// flight finish on their own).
pub async fn serve_with_shutdown(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let timeout = limits.request_timeout;
    let router = router.layer(axum::middleware::from_fn(
        move |req: Request, next: Next| request_timeout(req, next, timeout),
    ));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return Ok(()),
            },
            () = &mut shutdown => return Ok(()),
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(s) => s,
                // A transient accept error (EMFILE, a reset): keep serving.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let service = TowerToHyperService::new(router.clone());
        let header_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            let _slot = permit;
            // HTTP/1 only: hyper-util's version sniffing waits for the first
            // bytes with no timeout at all, so a silent connection would hold
            // its slot forever. (HTTP/2 arrives through a TLS-terminating
            // proxy, which speaks HTTP/1.1 to the app.)
            let mut builder = Builder::new(TokioExecutor::new()).http1_only();
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true);
            if let Err(e) = builder
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %e, "connection closed");
            }
        });
    }
}

async fn request_timeout(req: Request, next: Next, limit: Duration) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => (
            axum::http::StatusCode::REQUEST_TIMEOUT,
            axum::Json(serde_json::json!({"error": "request_timeout"})),
        )
            .into_response(),
    }
}
