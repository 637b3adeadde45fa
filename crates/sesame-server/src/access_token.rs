//! Verifying this server's own access tokens (for userinfo, revocation and
//! introspection): signature, `typ`, `iss`, `exp`, and that the family is
//! not revoked.

use std::time::SystemTime;

use serde_json::{Map, Value};
use sesame_core::jose::Algorithm;

use crate::{AuthServerService, StoreError};

impl AuthServerService {
    /// Verifies one of this server's access tokens: signature, `typ`, `iss`,
    /// `exp`, and that its family is not revoked. `Ok(None)` for a token
    /// that is not (or no longer) valid; `Err` when the store cannot say —
    /// the endpoint answers 503 then, never "valid".
    pub(crate) async fn verify_access_token(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Result<Option<Map<String, Value>>, StoreError> {
        let Some(claims) = self.verify_signed(token, now) else {
            return Ok(None);
        };
        if let Some(sid) = claims.get("sid").and_then(Value::as_str) {
            if self.store.is_family_revoked(sid).await? {
                return Ok(None);
            }
        }
        Ok(Some(claims))
    }

    /// The checks that need no store.
    fn verify_signed(&self, token: &str, now: SystemTime) -> Option<Map<String, Value>> {
        let keys = self.server.key_set();
        let verified = sesame_core::jose::verify(token, &keys, Algorithm::ASYMMETRIC).ok()?;
        if verified
            .header
            .typ
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
            != Some("at+jwt")
        {
            return None;
        }
        let claims = verified.claims().ok()?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.server.config().issuer.as_str()) {
            return None;
        }
        let exp = claims.get("exp").and_then(Value::as_u64)?;
        if sesame_core::time::unix_seconds(now) >= exp {
            return None;
        }
        Some(claims)
    }
}
