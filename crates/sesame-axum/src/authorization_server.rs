//! Mounting `sesame-server` on a router.

use std::sync::Arc;

use axum::Router;
use sesame_server::{
    body_too_large, declares_too_large_body, AuthServerService, MAX_BODY_LEN, ROUTES,
};

use crate::to_axum;

/// Mounts an authorization server ([`AuthServerService`]): discovery,
/// JWKS, `/authorize` with its login page, `/token`, `/revoke`,
/// `/introspect`, `/userinfo`. Merge it at the root of the issuer's URL.
///
/// Serve it with [`serve`](crate::serve) (or axum's
/// `into_make_service_with_connect_info::<SocketAddr>()`) so that
/// credential guessing is also throttled per client address.
pub fn authorization_server<S: Clone + Send + Sync + 'static>(
    service: Arc<AuthServerService>,
) -> Router<S> {
    let rng = Arc::new(ring::rand::SystemRandom::new());
    let handler = move |request: axum::extract::Request| {
        let (service, rng) = (Arc::clone(&service), Arc::clone(&rng));
        async move {
            let (mut parts, body) = request.into_parts();
            // The peer's address, for the throttling of credential guessing:
            // from `sesame_axum::serve`, or axum's `ConnectInfo`.
            if let Some(ci) = parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            {
                let ip = ci.0.ip();
                parts.extensions.insert(sesame_server::ClientAddr(ip));
            }
            // A body declared too large is refused before a byte is read.
            if declares_too_large_body(&parts.headers) {
                return to_axum(body_too_large());
            }
            let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_LEN).await else {
                return to_axum(body_too_large());
            };
            let request = http::Request::from_parts(parts, bytes.to_vec());
            to_axum(
                service
                    .handle(request, std::time::SystemTime::now(), rng.as_ref())
                    .await,
            )
        }
    };
    ROUTES.iter().fold(Router::new(), |r, path| {
        r.route(path, axum::routing::any(handler.clone()))
    })
}
