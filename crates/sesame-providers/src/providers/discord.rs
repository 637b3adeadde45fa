use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, Profile, Provider};

use crate::map::{boolean, string};
use crate::{Entry, Kind};

/// Discord (OAuth 2.0). Scopes `identify email`; PKCE (S256);
/// `client_secret_basic`. `GET /api/v10/users/@me`; `email_verified` is
/// Discord's `verified` flag. The name is `global_name`, else `username`.
pub fn discord() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "discord",
        "Discord",
        "https://discord.com/oauth2/authorize",
        "https://discord.com/api/oauth2/token",
    )?
    .scopes(["identify", "email"])
    .call(ApiCall::get(
        "user",
        "https://discord.com/api/v10/users/@me",
    )?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let user = p.response("user").ok_or("no user")?;
    let uid = string(user, "id").ok_or("no user id")?;
    let mut id = Identity::new(p.provider, uid.clone());
    id.email = string(user, "email");
    id.email_verified = id.email.is_some() && boolean(user, "verified");
    id.preferred_username = string(user, "username");
    id.name = string(user, "global_name").or_else(|| id.preferred_username.clone());
    id.picture = string(user, "avatar").map(|hash| {
        let ext = if hash.starts_with("a_") { "gif" } else { "png" };
        format!("https://cdn.discordapp.com/avatars/{uid}/{hash}.{ext}")
    });
    id.locale = string(user, "locale");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: discord(),
        kind: Kind::OAuth2,
        constructor: "discord()",
        fields: &["id", "email", "email_verified", "name", "preferred_username", "picture", "locale"],
        register: "an application with an OAuth2 redirect in the Discord Developer Portal → Applications → OAuth2",
    }
}
