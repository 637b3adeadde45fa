//! Serving HTTP with the limits every public server needs, for any
//! framework whose app can be a hyper service: the Axum and Poem adapters'
//! `serve` are this loop with their conversion.
//!
//! * **header read timeout** ([`ServerLimits::header_read_timeout`], 10 s):
//!   hyper starts it whenever it waits for a request head — the first one,
//!   and the next one on a kept-alive connection — so it bounds slow
//!   headers and idle keep-alive alike;
//! * **request timeout** ([`ServerLimits::request_timeout`], 60 s): the
//!   whole request, body read and handler included, then `408`
//!   ([`request_timeout_response`] in the app's own body type);
//! * **connection cap** ([`ServerLimits::max_connections`], 1024): further
//!   connections wait in the listen backlog until one closes;
//! * HTTP/1.1 only: hyper-util's version sniffing waits for the first bytes
//!   with no timeout at all, so a silent connection would hold its slot
//!   forever (HTTP/2 arrives through a TLS-terminating proxy, which speaks
//!   HTTP/1.1 to the app).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The limits a served app gets; the defaults need no thought.
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

/// The `408` answer of a request over [`ServerLimits::request_timeout`].
pub fn request_timeout_response() -> http::Response<Vec<u8>> {
    sesame_core::response::json_response(408, &serde_json::json!({"error": "request_timeout"}))
}

/// Accepts connections on `listener` until `shutdown` completes, serving
/// each with the hyper service `make(peer)` under `limits` (connections in
/// flight finish on their own). A request over
/// [`ServerLimits::request_timeout`] is answered with `timeout_response()`:
/// [`request_timeout_response`] converted to the service's body type.
pub async fn serve_hyper<M, S, B>(
    listener: TcpListener,
    limits: &ServerLimits,
    shutdown: impl Future<Output = ()>,
    make: M,
    timeout_response: fn() -> http::Response<B>,
) -> std::io::Result<()>
where
    M: Fn(SocketAddr) -> S,
    S: hyper::service::Service<http::Request<hyper::body::Incoming>, Response = http::Response<B>>
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let limit = limits.request_timeout;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return Ok(()),
            },
            () = &mut shutdown => return Ok(()),
        };
        let (stream, peer) = tokio::select! {
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
        let service = Timed {
            inner: make(peer),
            wrap: move |handled| within(limit, handled, timeout_response),
        };
        let header_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            let _slot = permit;
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

/// A service whose futures are wrapped by `wrap` in place (no box, no
/// clone of the service per request).
struct Timed<S, F> {
    inner: S,
    wrap: F,
}

impl<S, F, Fut, Req> hyper::service::Service<Req> for Timed<S, F>
where
    S: hyper::service::Service<Req>,
    F: Fn(S::Future) -> Fut,
    Fut: Future<Output = Result<S::Response, S::Error>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Fut;

    fn call(&self, req: Req) -> Fut {
        (self.wrap)(self.inner.call(req))
    }
}

/// `handled`, or `timeout_response()` once `limit` has passed.
async fn within<F, B, E>(
    limit: Duration,
    handled: F,
    timeout_response: fn() -> http::Response<B>,
) -> Result<http::Response<B>, E>
where
    F: Future<Output = Result<http::Response<B>, E>>,
{
    match tokio::time::timeout(limit, handled).await {
        Ok(answer) => answer,
        Err(_) => Ok(timeout_response()),
    }
}
