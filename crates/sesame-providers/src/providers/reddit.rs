use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::string;
use crate::{Entry, Kind};

/// Reddit (OAuth 2.0). Scope `identity`, `duration=permanent` (for a
/// refresh token), `client_secret_basic`; the profile is
/// `GET https://oauth.reddit.com/api/v1/me`. PKCE off: Reddit does not
/// document it, so it would buy nothing and risk a rejected login.
///
/// Reddit never discloses an email (`has_verified_email` is not one). The
/// user name is both `name` and `preferred_username`; the avatar URL is
/// HTML-unescaped (`&amp;`).
///
/// Reddit asks for a descriptive User-Agent; Sesame sends its own
/// (`sesame/<version>`).
// Limitation: Reddit wants `<platform>:<app id>:<version> (by /u/<user>)`.
// The core sets its User-Agent on every request and an `ApiCall` header would
// add a second one, not replace it; nor can a token request carry a per-app
// value without a constructor parameter. The generic `sesame/<version>` is sent.
pub fn reddit() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "reddit",
        "Reddit",
        "https://www.reddit.com/api/v1/authorize",
        "https://www.reddit.com/api/v1/access_token",
    )?
    .scopes(["identity"])
    .client_auth(ClientAuth::Basic)
    .pkce(false)
    .authorization_param("duration", "permanent")
    .call(ApiCall::get("me", "https://oauth.reddit.com/api/v1/me")?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no profile")?;
    let mut id = Identity::new(p.provider, string(me, "id").ok_or("no user id")?);
    id.preferred_username = string(me, "name");
    id.name.clone_from(&id.preferred_username);
    id.picture = string(me, "icon_img").map(|u| u.replace("&amp;", "&"));
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: reddit(),
        kind: Kind::OAuth2,
        constructor: "reddit()",
        fields: &["id", "name", "preferred_username", "picture"],
        register: "a \"web app\" at reddit.com/prefs/apps (one redirect URI per app)",
    }
}
