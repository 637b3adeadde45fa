use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::{boolean, string};
use crate::{Entry, Kind};

/// Atlassian (OAuth 2.0 "3LO"). Scope `read:me` (add `offline_access` for
/// a refresh token), with `audience=api.atlassian.com` and `prompt=consent`
/// as Atlassian requires; `client_secret_post` (form-encoded, which
/// `auth.atlassian.com` accepts as well as the JSON body its docs show).
/// PKCE off: Atlassian does not document it, so it would buy nothing and
/// risk a rejected login. The profile is `GET https://api.atlassian.com/me`.
///
/// The id is `account_id`; `email_verified` is Atlassian's flag.
pub fn atlassian() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "atlassian",
        "Atlassian",
        "https://auth.atlassian.com/authorize",
        "https://auth.atlassian.com/oauth/token",
    )?
    .scopes(["read:me"])
    .client_auth(ClientAuth::Post)
    .pkce(false)
    .authorization_param("audience", "api.atlassian.com")
    .authorization_param("prompt", "consent")
    .call(ApiCall::get("me", "https://api.atlassian.com/me")?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no profile")?;
    let mut id = Identity::new(p.provider, string(me, "account_id").ok_or("no account id")?);
    id.email = string(me, "email");
    id.email_verified = id.email.is_some() && boolean(me, "email_verified");
    id.name = string(me, "name");
    id.preferred_username = string(me, "nickname");
    id.picture = string(me, "picture");
    id.locale = string(me, "locale");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: atlassian(),
        kind: Kind::OAuth2,
        constructor: "atlassian()",
        fields: &["id", "email", "email_verified", "name", "preferred_username", "picture", "locale"],
        register: "an OAuth 2.0 integration in the Atlassian developer console with the User identity API (read:me)",
    }
}
