//! `/revoke` (RFC 7009): a refresh token revokes its family; an access
//! token revokes the family it was issued from.

use std::time::SystemTime;

use serde_json::{json, Value};
use sesame_core::protocol::ErrorCode;
use sesame_core::response::json_response;

use crate::pages::response;
use crate::{AuthServerService, ServerError};

impl AuthServerService {
    /// RFC 7009: revokes a refresh token's family, or an access token's.
    pub(crate) async fn revoke(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
    ) -> http::Response<Vec<u8>> {
        let (client_id, token) = match self.client_and_token(request, now).await {
            Ok(x) => x,
            Err(r) => return r,
        };
        let unavailable = |e| ServerError::from(e).to_response();
        let family = match self
            .store
            .find_refresh(&crate::store_key(&token), now)
            .await
        {
            Ok(Some(g)) if g.client_id == client_id => Some(g.family),
            Err(e) => return unavailable(e),
            Ok(_) => match self.verify_access_token(&token, now).await {
                Ok(Some(c))
                    if c.get("client_id").and_then(Value::as_str) == Some(client_id.as_str()) =>
                {
                    c.get("sid").and_then(Value::as_str).map(str::to_owned)
                }
                Ok(_) => None,
                Err(e) => return unavailable(e),
            },
        };
        if let Some(f) = family {
            if self
                .store
                .revoke_family(&f, self.server.revocation_horizon(now))
                .await
                .is_err()
            {
                return json_response(
                    503,
                    &json!({"error": ErrorCode::TemporarilyUnavailable.as_str()}),
                );
            }
        }
        crate::audit::emit(
            sesame_core::audit::AuditEvent::TokenRevoked,
            Some(&client_id),
        );
        // RFC 7009 §2.2: 200 whether or not the token was known.
        response(200, "application/json", b"{}".to_vec())
    }
}
