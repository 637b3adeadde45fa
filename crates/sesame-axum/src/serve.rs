//! Serving a router with the limits every public server needs, so that a
//! client trickling its headers, idling on a kept-alive connection, or
//! opening connections by the thousand cannot hold the server.
//!
//! `axum::serve` runs hyper without a timer, so hyper's header timeout
//! never fires and nothing bounds connections; [`serve`] runs the same
//! router through [`sesame_reqwest::serve::serve_hyper`] — hyper-util's
//! HTTP/1.1 connection builder with a tokio timer (put TLS and HTTP/2 in
//! the proxy in front):
//!
//! * **header read timeout** ([`ServerLimits::header_read_timeout`], 10 s):
//!   hyper starts it whenever it waits for a request head — the first one,
//!   and the next one on a kept-alive connection — so it bounds slow
//!   headers and idle keep-alive alike;
//! * **request timeout** ([`ServerLimits::request_timeout`], 60 s): the
//!   whole request, body read and handler included, then `408`;
//! * **connection cap** ([`ServerLimits::max_connections`], 1024): further
//!   connections wait in the listen backlog until one closes;
//! * every request carries its peer as `axum::extract::ConnectInfo<SocketAddr>`
//!   (the authorization server throttles credential guessing per address);
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

use axum::Router;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

pub use sesame_reqwest::ServerLimits;

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
    sesame_reqwest::serve::serve_hyper(
        listener,
        &limits,
        shutdown,
        move |peer| {
            // Every request knows its peer, as with axum's ConnectInfo.
            let with_peer = tower::util::MapRequestLayer::new(
                move |mut req: http::Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    req
                },
            );
            TowerToHyperService::new(tower::Layer::layer(&with_peer, router.clone()))
        },
        || crate::to_axum(sesame_reqwest::serve::request_timeout_response()),
    )
    .await
}
