//! Sign in with Apple's client secret: an ES256 JWT minted by Sesame from
//! the app's `.p8` key, team id and key id, fresh for each token request.

use std::time::SystemTime;

use base64::Engine as _;
use serde_json::{json, Map, Value};
use sesame_core::client::MintSecret;
use sesame_core::jose::{Algorithm, JoseError, SigningKey};
use sesame_core::Secret;

/// How long each minted client secret is valid (Apple allows up to six months).
pub const SECRET_LIFETIME_SECS: u64 = 300;

/// Mints Apple client secrets. Construct it from the `.p8` file's contents.
pub struct AppleClientSecret {
    team_id: String,
    key: SigningKey,
}

impl std::fmt::Debug for AppleClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppleClientSecret")
            .field("team_id", &self.team_id)
            .field("key_id", &self.key.kid())
            .finish_non_exhaustive()
    }
}

impl AppleClientSecret {
    /// From the `.p8` PEM text Apple lets you download once, the team id and the key id.
    pub fn from_p8(p8_pem: &str, team_id: &str, key_id: &str) -> Result<Self, JoseError> {
        let b64: String = p8_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .flat_map(|l| l.trim().chars())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| JoseError::InvalidSigningKey)?;
        Self::from_pkcs8(&der, team_id, key_id)
    }

    /// From the key's PKCS#8 DER bytes.
    pub fn from_pkcs8(der: &[u8], team_id: &str, key_id: &str) -> Result<Self, JoseError> {
        Ok(Self {
            team_id: team_id.to_owned(),
            key: SigningKey::from_pkcs8(Algorithm::ES256, der, key_id)?,
        })
    }
}

impl MintSecret for AppleClientSecret {
    fn mint(
        &self,
        client_id: &str,
        _token_endpoint: &url::Url,
        now: SystemTime,
    ) -> Result<Secret, JoseError> {
        let iat = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let claims: Map<String, Value> = match json!({
            "iss": self.team_id,
            "iat": iat,
            "exp": iat + SECRET_LIFETIME_SECS,
            "aud": "https://appleid.apple.com",
            "sub": client_id,
        }) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        self.key.sign_claims(None, &claims).map(Secret::new)
    }
}
