use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::{boolean, string};
use crate::{Entry, Kind};

const IDENTITY: &str = "https://www.patreon.com/api/oauth2/v2/identity?fields%5Buser%5D=email,first_name,full_name,image_url,is_email_verified,last_name";

/// Patreon (OAuth 2.0, API v2). Scopes `identity identity[email]`;
/// `client_secret_post`. PKCE off: Patreon does not document it, so it
/// would buy nothing and risk a rejected login. The profile is
/// `GET /api/oauth2/v2/identity` with the user fields named in
/// `fields[user]` (API v2 returns none otherwise).
///
/// The id is `data.id`; `email_verified` is Patreon's `is_email_verified`.
pub fn patreon() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "patreon",
        "Patreon",
        "https://www.patreon.com/oauth2/authorize",
        "https://www.patreon.com/api/oauth2/token",
    )?
    .scopes(["identity", "identity[email]"])
    .client_auth(ClientAuth::Post)
    .pkce(false)
    .call(ApiCall::get("identity", IDENTITY)?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let data = p
        .response("identity")
        .and_then(|r| r.get("data"))
        .ok_or("no data")?;
    let mut id = Identity::new(p.provider, string(data, "id").ok_or("no user id")?);
    id.email = string(data, "attributes.email");
    id.email_verified = id.email.is_some() && boolean(data, "attributes.is_email_verified");
    id.name = string(data, "attributes.full_name");
    id.given_name = string(data, "attributes.first_name");
    id.family_name = string(data, "attributes.last_name");
    id.picture = string(data, "attributes.image_url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: patreon(),
        kind: Kind::OAuth2,
        constructor: "patreon()",
        fields: &[
            "id",
            "email",
            "email_verified",
            "name",
            "given_name",
            "family_name",
            "picture",
        ],
        register:
            "an OAuth client at patreon.com/portal/registration/register-clients (API version 2)",
    }
}
