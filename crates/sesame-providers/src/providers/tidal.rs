use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, Profile, Provider};

use crate::map::{boolean, full_name, string};
use crate::{Entry, Kind};

/// TIDAL (developer platform, OAuth 2.0). Scope `user.read`; PKCE is
/// mandatory; `client_secret_basic`. `GET openapi.tidal.com/v2/users/me`
/// (JSON:API, `Accept: application/vnd.api+json`). The email counts as
/// verified only when TIDAL's `emailVerified` attribute says so.
pub fn tidal() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "tidal",
        "TIDAL",
        "https://login.tidal.com/authorize",
        "https://auth.tidal.com/v1/oauth2/token",
    )?
    .scopes(["user.read"])
    .call(
        ApiCall::get("me", "https://openapi.tidal.com/v2/users/me")?
            .header("accept", "application/vnd.api+json")?,
    )
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no user")?;
    let mut id = Identity::new(p.provider, string(me, "data.id").ok_or("no user id")?);
    id.email = string(me, "data.attributes.email");
    id.email_verified = id.email.is_some() && boolean(me, "data.attributes.emailVerified");
    id.given_name = string(me, "data.attributes.firstName");
    id.family_name = string(me, "data.attributes.lastName");
    id.name = full_name(id.given_name.as_deref(), id.family_name.as_deref());
    id.preferred_username = string(me, "data.attributes.username");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: tidal(),
        kind: Kind::OAuth2,
        constructor: "tidal()",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name", "preferred_username"],
        register: "an app with a redirect URI and the user.read scope in the TIDAL Developer Portal (developer.tidal.com → Dashboard)",
    }
}
