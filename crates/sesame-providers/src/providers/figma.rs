use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::string;
use crate::{Entry, Kind};

/// Figma (OAuth 2.0). Scope `current_user:read` (comma-separated list of
/// granular scopes); PKCE (S256); `client_secret_basic` at the
/// `api.figma.com/v1/oauth/token` endpoint (the old `www.figma.com` one is
/// retired). The profile is `GET https://api.figma.com/v1/me`.
///
/// The id is `id`; the `handle` is both `name` and `preferred_username`.
/// Figma asserts no verification for the email, so `email_verified` stays
/// false.
pub fn figma() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "figma",
        "Figma",
        "https://www.figma.com/oauth",
        "https://api.figma.com/v1/oauth/token",
    )?
    .scopes(["current_user:read"])
    .scope_separator(",")
    .client_auth(ClientAuth::Basic)
    .call(ApiCall::get("me", "https://api.figma.com/v1/me")?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no profile")?;
    let mut id = Identity::new(p.provider, string(me, "id").ok_or("no user id")?);
    id.email = string(me, "email");
    id.preferred_username = string(me, "handle");
    id.name.clone_from(&id.preferred_username);
    id.picture = string(me, "img_url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: figma(),
        kind: Kind::OAuth2,
        constructor: "figma()",
        fields: &["id", "email", "name", "preferred_username", "picture"],
        register: "an OAuth app at figma.com/developers/apps with the current_user:read scope",
    }
}
