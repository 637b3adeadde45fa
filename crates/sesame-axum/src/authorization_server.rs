//! Mounting `sesame-server` on a router.

use std::sync::Arc;

use axum::Router;
use sesame_core::protocol::ErrorCode;
use sesame_server::{AuthServerService, MAX_PARAMS_LEN, ROUTES};

use crate::to_axum;

/// Mounts an authorization server ([`AuthServerService`]): discovery,
/// JWKS, `/authorize` with its login page, `/token`, `/revoke`,
/// `/introspect`, `/userinfo`. Merge it at the root of the issuer's URL.
pub fn authorization_server<S: Clone + Send + Sync + 'static>(
    service: Arc<AuthServerService>,
) -> Router<S> {
    let rng = Arc::new(ring::rand::SystemRandom::new());
    let handler = move |request: axum::extract::Request| {
        let (service, rng) = (Arc::clone(&service), Arc::clone(&rng));
        async move {
            let (parts, body) = request.into_parts();
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
                axum::body::to_bytes(body, MAX_PARAMS_LEN * 2).await.ok()
            };
            let Some(bytes) = bytes else {
                return to_axum(sesame_core::response::json_response(
                    413,
                    &serde_json::json!({"error": ErrorCode::InvalidRequest.as_str()}),
                ));
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
