//! Serving an endpoint with the limits every public server needs, so that
//! a client trickling its headers, idling on a kept-alive connection, or
//! opening connections by the thousand cannot hold the server.
//!
//! `poem::Server`'s idle timeout closes a connection only when nothing at
//! all moves on it: a client sending one header byte every few seconds
//! keeps it open for ever, and connections are not bounded. [`serve`] runs
//! the endpoint through [`sesame_reqwest::serve::serve_hyper`] instead:
//! hyper-util's HTTP/1.1 connection builder with a tokio timer — a header
//! read timeout that also bounds idle keep-alive (10 s), a request timeout
//! answered `408` (60 s), and a connection cap (1024); see
//! [`ServerLimits`]. Put TLS and HTTP/2 in the proxy in front.
//!
//! ```no_run
//! # async fn run(app: poem::Route) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! sesame_poem::serve(listener, app, sesame_poem::ServerLimits::default()).await
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use poem::web::{LocalAddr, RemoteAddr};
use poem::{Endpoint, EndpointExt, IntoEndpoint};
use tokio::net::TcpListener;

pub use sesame_reqwest::ServerLimits;

/// Serves `app` on `listener` with `limits`, until the process ends.
pub async fn serve<E>(listener: TcpListener, app: E, limits: ServerLimits) -> std::io::Result<()>
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    serve_with_shutdown(listener, app, limits, std::future::pending()).await
}

/// [`serve`], stopping to accept when `shutdown` completes (connections in
/// flight finish on their own).
pub async fn serve_with_shutdown<E>(
    listener: TcpListener,
    app: E,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let ep = Arc::new(app.into_endpoint().map_to_response());
    let local = LocalAddr(listener.local_addr()?.into());
    sesame_reqwest::serve::serve_hyper(
        listener,
        &limits,
        shutdown,
        move |peer| {
            let (ep, local, remote) = (Arc::clone(&ep), local.clone(), RemoteAddr(peer.into()));
            hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                let (ep, local, remote) = (Arc::clone(&ep), local.clone(), remote.clone());
                async move {
                    let req = poem::Request::from((req, local, remote, http::uri::Scheme::HTTP));
                    Ok::<_, Infallible>(hyper::Response::<_>::from(ep.get_response(req).await))
                }
            })
        },
        || {
            hyper::Response::<_>::from(crate::to_poem(
                sesame_reqwest::serve::request_timeout_response(),
            ))
        },
    )
    .await
}
