use sesame_core::identity::Identity;
use sesame_core::provider::{ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::{full_name, string};
use crate::{Entry, Kind};

/// Strava (OAuth 2.0). Scope `read` (comma-separated list);
/// `client_secret_post`. PKCE off: Strava does not document it, so it
/// would buy nothing and risk a rejected login. No profile call: the token
/// response carries a summary `athlete`.
///
/// Strava discloses no email. A default avatar is a relative placeholder
/// (`avatar/athlete/large.png`), not a URL, and is dropped.
pub fn strava() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "strava",
        "Strava",
        "https://www.strava.com/oauth/authorize",
        "https://www.strava.com/oauth/token",
    )?
    .scopes(["read"])
    .scope_separator(",")
    .client_auth(ClientAuth::Post)
    .pkce(false)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let athlete = p.token_extra.get("athlete").ok_or("no athlete")?;
    let mut id = Identity::new(p.provider, string(athlete, "id").ok_or("no athlete id")?);
    id.given_name = string(athlete, "firstname");
    id.family_name = string(athlete, "lastname");
    id.name = full_name(id.given_name.as_deref(), id.family_name.as_deref());
    id.preferred_username = string(athlete, "username");
    id.picture = string(athlete, "profile").filter(|u| u.starts_with("https://"));
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: strava(),
        kind: Kind::OAuth2,
        constructor: "strava()",
        fields: &[
            "id",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "picture",
        ],
        register: "an API application at strava.com/settings/api (Authorization Callback Domain)",
    }
}
