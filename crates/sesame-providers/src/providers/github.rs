use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};

use crate::map::{string, verified_primary_email};
use crate::{Entry, Kind};

/// GitHub (OAuth 2.0 apps). PKCE (S256); `GET /user`, then `GET /user/emails`
/// for the primary **verified** address — never an unverified one.
pub fn github() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    let api = |name: &str, url: &str| -> Result<ApiCall, sesame_core::ConfigError> {
        ApiCall::get(name, url)?
            .header("accept", "application/vnd.github+json")?
            .header("x-github-api-version", "2022-11-28")
    };
    Ok(Provider::oauth2(
        "github",
        "GitHub",
        "https://github.com/login/oauth/authorize",
        "https://github.com/login/oauth/access_token",
    )?
    .scopes(["read:user", "user:email"])
    .client_auth(ClientAuth::Post)
    .call(api("user", "https://api.github.com/user")?)
    .call(api("emails", "https://api.github.com/user/emails")?.optional())
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let user = p.response("user").ok_or("no user")?;
    let mut id = Identity::new(p.provider, string(user, "id").ok_or("no user id")?);
    let verified = p
        .response("emails")
        .and_then(|list| verified_primary_email(list, "email", "primary", "verified"));
    match verified {
        Some(email) => {
            id.email = Some(email);
            id.email_verified = true;
        }
        // The public profile address carries no verification flag.
        None => id.email = string(user, "email"),
    }
    id.name = string(user, "name");
    id.preferred_username = string(user, "login");
    id.picture = string(user, "avatar_url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: github(),
        kind: Kind::OAuth2,
        constructor: "github()",
        fields: &[
            "id",
            "email",
            "email_verified",
            "name",
            "preferred_username",
            "picture",
        ],
        register: "an OAuth App in GitHub → Settings → Developer settings → OAuth Apps",
    }
}
