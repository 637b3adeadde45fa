use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, Profile, Provider};

use crate::map::string;
use crate::{Entry, Kind};

/// Spotify (OAuth 2.0). Scope `user-read-email`; PKCE (S256);
/// `client_secret_basic`. `GET /v1/me`. Spotify documents the email as
/// unverified ("no proof that it actually belongs to the user"), so
/// `email_verified` is never true.
pub fn spotify() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "spotify",
        "Spotify",
        "https://accounts.spotify.com/authorize",
        "https://accounts.spotify.com/api/token",
    )?
    .scopes(["user-read-email"])
    .call(ApiCall::get("me", "https://api.spotify.com/v1/me")?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no user")?;
    let mut id = Identity::new(p.provider, string(me, "id").ok_or("no user id")?);
    id.email = string(me, "email");
    id.name = string(me, "display_name");
    id.picture = string(me, "images.0.url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: spotify(),
        kind: Kind::OAuth2,
        constructor: "spotify()",
        fields: &["id", "email", "name", "picture"],
        register: "an app (Web API) with a redirect URI in the Spotify Developer Dashboard",
    }
}
