//! A session: who signed in, with which tokens, since when.

use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::time::{from_unix, unix_seconds};
use crate::{Identity, Secret, Tokens};

/// A session's id: 32 random bytes, base64url. Rotated at every login (no
/// fixation). `Debug` hides it; stores see only its hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(Secret);

impl SessionId {
    /// Draws a fresh id.
    pub fn generate(rng: &dyn crate::random::Random) -> Result<Self, crate::random::RandomError> {
        Ok(Self(Secret::new(crate::random::random_b64(rng, 32)?)))
    }

    /// The id itself (for the cookie; never log it).
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// A hash of the id that is safe to log and to use as a store key.
    pub fn fingerprint(&self) -> String {
        super::store::hash_key(&[self.0.expose()])
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId([redacted])")
    }
}

/// Another provider identity linked to the same app user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedIdentity {
    /// The provider's id in Sesame.
    pub provider: String,
    /// The user's id at that provider.
    pub subject: String,
}

/// The tokens a session holds. `Debug` shows no values.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionTokens {
    /// The current access token.
    pub access_token: Secret,
    /// Its type (`Bearer`).
    pub token_type: String,
    /// The refresh token, if the provider issued one (rotated on refresh).
    pub refresh_token: Option<Secret>,
    /// The ID token of the login (kept for `id_token_hint` at logout).
    pub id_token: Option<Secret>,
    /// When the access token expires (Unix seconds), if the provider said.
    pub expires_at: Option<u64>,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// The login's own DPoP key, which the tokens are bound to
    /// ([`ClientConfig::dpop_per_login`](crate::client::ClientConfig::dpop_per_login)):
    /// refreshes and userinfo calls prove possession with it. Stored
    /// sealed, like the tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<crate::dpop::LoginKey>,
}

impl fmt::Debug for SessionTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionTokens")
            .field("token_type", &self.token_type)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("dpop_key", &self.dpop_key)
            .finish_non_exhaustive()
    }
}

impl SessionTokens {
    /// The tokens of a login.
    pub fn from_tokens(tokens: &Tokens) -> Self {
        Self {
            access_token: tokens.access_token.clone(),
            token_type: tokens.token_type.clone(),
            refresh_token: tokens.refresh_token.clone(),
            id_token: tokens.id_token.clone(),
            expires_at: tokens.expires_at.map(unix_seconds),
            scopes: tokens.scopes.clone(),
            dpop_key: tokens.dpop_key.clone(),
        }
    }

    /// When the access token expires, if known.
    pub fn access_expires_at(&self) -> Option<SystemTime> {
        self.expires_at.map(from_unix)
    }
}

/// A signed-in user's session.
///
/// `Debug` shows no token and not the id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// The session's id (rotated at every login).
    pub id: SessionId,
    /// The provider of this login.
    pub provider: String,
    /// Who signed in.
    pub identity: Identity,
    /// The application's own user id, when the app (or account linking) set one.
    pub user: Option<String>,
    /// Other provider identities linked to this user (see [`super::linking`]).
    pub linked: Vec<LinkedIdentity>,
    /// The tokens.
    pub tokens: SessionTokens,
    /// The ID token's `iss`, when the login had a validated ID token.
    pub issuer: Option<String>,
    /// The ID token's `sid` (the provider's session), for back-channel logout.
    pub sid: Option<String>,
    /// When the login happened (Unix seconds).
    pub created_at: u64,
    /// When the session was last used (Unix seconds, updated coarsely).
    pub last_active: u64,
}

impl Session {
    /// The issuer a back-channel logout of this session must come from: the
    /// ID token's `iss`, else the provider id.
    pub fn logout_issuer(&self) -> &str {
        self.issuer.as_deref().unwrap_or(&self.provider)
    }

    /// The access token, whatever its age (use the driver's fresh-token call
    /// to get one that is refreshed when due).
    pub fn access_token(&self) -> &Secret {
        &self.tokens.access_token
    }
}
