use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, Profile, Provider};

use crate::map::{obj, string};
use crate::{Entry, Kind};

/// Fitbit (OAuth 2.0). Scope `profile`; PKCE (S256, recommended by
/// Fitbit); `client_secret_basic`. `GET /1/user/-/profile.json`. The Web
/// API exposes no email, so none is ever set.
pub fn fitbit() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "fitbit",
        "Fitbit",
        "https://www.fitbit.com/oauth2/authorize",
        "https://api.fitbit.com/oauth2/token",
    )?
    .scopes(["profile"])
    .call(ApiCall::get(
        "profile",
        "https://api.fitbit.com/1/user/-/profile.json",
    )?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let profile = p.response("profile").ok_or("no profile")?;
    let uid = string(profile, "user.encodedId")
        .or_else(|| string(&obj(p.token_extra), "user_id"))
        .ok_or("no user id")?;
    let mut id = Identity::new(p.provider, uid);
    id.preferred_username = string(profile, "user.displayName");
    id.name = string(profile, "user.fullName").or_else(|| id.preferred_username.clone());
    id.given_name = string(profile, "user.firstName");
    id.family_name = string(profile, "user.lastName");
    id.picture = string(profile, "user.avatar");
    id.locale = string(profile, "user.locale");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: fitbit(),
        kind: Kind::OAuth2,
        constructor: "fitbit()",
        fields: &["id", "name", "given_name", "family_name", "preferred_username", "picture", "locale"],
        register: "an application of type \"Server\" with a redirect URL at dev.fitbit.com → Manage → Register an App",
    }
}
