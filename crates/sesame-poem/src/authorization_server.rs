//! Mounting `sesame-server` on a route.

use std::sync::Arc;

use poem::endpoint::make;
use poem::{Request, Route};
use sesame_server::{
    body_too_large, declares_too_large_body, AuthServerService, MAX_BODY_LEN, ROUTES,
};

use crate::to_poem;

/// Mounts an authorization server ([`AuthServerService`]): discovery,
/// JWKS, `/authorize` with its login page, `/token`, `/revoke`,
/// `/introspect`, `/userinfo`. Nest it at the root of the issuer's URL.
pub fn authorization_server(service: Arc<AuthServerService>) -> Route {
    let rng = Arc::new(ring::rand::SystemRandom::new());
    let endpoint = make(move |req: Request| {
        let (service, rng) = (Arc::clone(&service), Arc::clone(&rng));
        async move {
            // The peer's address, for the throttling of credential guessing.
            let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
            let (parts, body) = req.into_parts();
            // A body declared too large is refused before a byte is read.
            if declares_too_large_body(&parts.headers) {
                return to_poem(body_too_large());
            }
            let Ok(bytes) = body.into_bytes_limit(MAX_BODY_LEN).await else {
                return to_poem(body_too_large());
            };
            let mut request = http::Request::new(bytes.to_vec());
            *request.method_mut() = parts.method;
            *request.uri_mut() = parts.uri;
            *request.headers_mut() = parts.headers;
            if let Some(ip) = peer {
                request
                    .extensions_mut()
                    .insert(sesame_server::ClientAddr(ip));
            }
            to_poem(
                service
                    .handle(request, std::time::SystemTime::now(), rng.as_ref())
                    .await,
            )
        }
    });
    let endpoint = Arc::new(endpoint);
    ROUTES
        .iter()
        .fold(Route::new(), |r, path| r.at(*path, Arc::clone(&endpoint)))
}
