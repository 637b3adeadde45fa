//! `/introspect` (RFC 7662): whether a token is active, and its claims.

use std::time::SystemTime;

use serde_json::{json, Value};
use sesame_core::response::json_response;

use crate::{AuthServerService, ServerError};

impl AuthServerService {
    /// RFC 7662: whether a token is active, and its claims.
    pub(crate) async fn introspect(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
    ) -> http::Response<Vec<u8>> {
        let (client_id, token) = match self.client_and_token(request, now).await {
            Ok(x) => x,
            Err(r) => return r,
        };
        // RFC 7662 §2.1: only an authenticated (confidential) caller may ask;
        // a public client's id is no credential.
        if self
            .server
            .client(&client_id)
            .is_none_or(|c| !c.is_confidential())
        {
            return crate::OAuthError::invalid_client(false).to_response();
        }
        match self.verify_access_token(&token, now).await {
            Ok(Some(mut claims)) => {
                claims.insert("active".into(), json!(true));
                // RFC 9449 §6.2: a bound token says so, with its `cnf`.
                let token_type = if sesame_core::dpop::is_bound(&claims) {
                    "DPoP"
                } else {
                    "Bearer"
                };
                claims.insert("token_type".into(), json!(token_type));
                return json_response(200, &Value::Object(claims));
            }
            Ok(None) => {}
            Err(e) => return ServerError::from(e).to_response(),
        }
        match self
            .store
            .find_refresh(&crate::store_key(&token), now)
            .await
        {
            Ok(Some(g)) => json_response(
                200,
                &json!({"active": true, "token_type": "refresh_token", "client_id": g.client_id, "sub": g.subject,
                        "scope": g.scopes.join(" "), "exp": sesame_core::time::unix_seconds(g.expires_at)}),
            ),
            Ok(None) => json_response(200, &json!({"active": false})),
            Err(e) => ServerError::from(e).to_response(),
        }
    }
}
