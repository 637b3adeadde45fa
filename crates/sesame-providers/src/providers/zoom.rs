use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::{full_name, string};
use crate::{Entry, Kind};

/// Zoom (OAuth 2.0, General/user-managed app). No scope parameter: scopes
/// are set on the app in the Marketplace (`/users/me` needs
/// `user:read:user`, or classic `user:read`). PKCE (S256);
/// `client_secret_basic` (required). The profile is
/// `GET https://api.zoom.us/v2/users/me`.
///
/// `email_verified` stays false: Zoom's `verified` flag is about the
/// user/account, not explicitly the address.
pub fn zoom() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "zoom",
        "Zoom",
        "https://zoom.us/oauth/authorize",
        "https://zoom.us/oauth/token",
    )?
    .client_auth(ClientAuth::Basic)
    .call(ApiCall::get("me", "https://api.zoom.us/v2/users/me")?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no profile")?;
    let mut id = Identity::new(p.provider, string(me, "id").ok_or("no user id")?);
    id.email = string(me, "email");
    id.given_name = string(me, "first_name");
    id.family_name = string(me, "last_name");
    id.name = string(me, "display_name")
        .or_else(|| full_name(id.given_name.as_deref(), id.family_name.as_deref()));
    id.picture = string(me, "pic_url");
    id.locale = string(me, "language");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: zoom(),
        kind: Kind::OAuth2,
        constructor: "zoom()",
        fields: &[
            "id",
            "email",
            "name",
            "given_name",
            "family_name",
            "picture",
            "locale",
        ],
        register:
            "a General App (user-managed) in the Zoom App Marketplace with the user:read:user scope",
    }
}
