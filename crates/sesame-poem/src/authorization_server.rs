//! Mounting `sesame-server` on a route.

use std::sync::Arc;

use poem::endpoint::make;
use poem::{Request, Route};
use sesame_core::protocol::ErrorCode;
use sesame_server::{AuthServerService, MAX_PARAMS_LEN, ROUTES};

use crate::to_poem;

/// Mounts an authorization server ([`AuthServerService`]): discovery,
/// JWKS, `/authorize` with its login page, `/token`, `/revoke`,
/// `/introspect`, `/userinfo`. Nest it at the root of the issuer's URL.
pub fn authorization_server(service: Arc<AuthServerService>) -> Route {
    let rng = Arc::new(ring::rand::SystemRandom::new());
    let endpoint = make(move |req: Request| {
        let (service, rng) = (Arc::clone(&service), Arc::clone(&rng));
        async move {
            let (parts, body) = req.into_parts();
            let declared = parts
                .headers
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            // A body declared too large is refused before a byte is read.
            let too_large = declared.is_some_and(|n| n > (MAX_PARAMS_LEN * 2) as u64);
            let bytes = if too_large {
                None
            } else {
                body.into_bytes_limit(MAX_PARAMS_LEN * 2).await.ok()
            };
            let Some(bytes) = bytes else {
                return to_poem(sesame_core::response::json_response(
                    413,
                    &serde_json::json!({"error": ErrorCode::InvalidRequest.as_str()}),
                ));
            };
            let mut request = http::Request::new(bytes.to_vec());
            *request.method_mut() = parts.method;
            *request.uri_mut() = parts.uri;
            *request.headers_mut() = parts.headers;
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
