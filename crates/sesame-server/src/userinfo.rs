//! `/userinfo` (OpenID Connect Core §5.3): the app's claims of a valid
//! access token with the `openid` scope.

use std::time::SystemTime;

use serde_json::{json, Map, Value};
use sesame_core::protocol::ErrorCode;
use sesame_core::response::json_response;

use crate::{AuthServerService, ServerError};

impl AuthServerService {
    pub(crate) async fn userinfo(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
    ) -> http::Response<Vec<u8>> {
        let token = match sesame_core::resource::extract_bearer(request.headers()) {
            Ok(t) => Some(t.to_owned()),
            // Two Authorization headers, or a malformed one (RFC 6750 §3.1).
            Err(sesame_core::resource::BearerError::InvalidRequest) => {
                let mut r =
                    json_response(400, &json!({"error": ErrorCode::InvalidRequest.as_str()}));
                r.headers_mut().insert(
                    http::header::WWW_AUTHENTICATE,
                    http::HeaderValue::from_static("Bearer error=\"invalid_request\""),
                );
                return r;
            }
            Err(_) => None,
        };
        let claims = match token {
            Some(t) => match self.verify_access_token(&t, now).await {
                Ok(c) => c,
                Err(e) => return ServerError::from(e).to_response(),
            },
            None => None,
        };
        let Some(claims) = claims else {
            let mut r = json_response(401, &json!({"error": ErrorCode::InvalidToken.as_str()}));
            r.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            return r;
        };
        let scopes = claims.get("scope").and_then(Value::as_str).unwrap_or("");
        if !scopes.split(' ').any(|s| s == "openid") {
            let mut r = json_response(
                403,
                &json!({"error": ErrorCode::InsufficientScope.as_str()}),
            );
            r.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static(
                    "Bearer error=\"insufficient_scope\", scope=\"openid\"",
                ),
            );
            return r;
        }
        let mut out: Map<String, Value> = claims
            .iter()
            .filter(|(k, _)| !crate::RESERVED_CLAIMS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(sub) = claims.get("sub") {
            out.insert("sub".into(), sub.clone());
        }
        json_response(200, &Value::Object(out))
    }
}
