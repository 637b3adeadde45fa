use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, Profile, Provider};

use crate::map::{at, string, verified_primary_email};
use crate::{Entry, Kind};

/// Bitbucket Cloud (OAuth 2.0 consumers). `client_secret_basic`; PKCE.
///
/// No `scope` parameter: Bitbucket takes the permissions ticked on the
/// consumer (Account: Read and Email). `GET /2.0/user`, then
/// `GET /2.0/user/emails` for the address that is primary **and**
/// confirmed — never another one. The id is the `{uuid}`, braces kept.
pub fn bitbucket() -> Provider {
    // Limitation: only the first page of `/2.0/user/emails` is read (calls
    // cannot follow `next`); the primary address is almost always on it.
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "bitbucket",
        "Bitbucket",
        "https://bitbucket.org/site/oauth2/authorize",
        "https://bitbucket.org/site/oauth2/access_token",
    )?
    .call(ApiCall::get("user", "https://api.bitbucket.org/2.0/user")?)
    .call(ApiCall::get("emails", "https://api.bitbucket.org/2.0/user/emails")?.optional())
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let user = p.response("user").ok_or("no user")?;
    let mut id = Identity::new(p.provider, string(user, "uuid").ok_or("no user uuid")?);
    id.email = p
        .response("emails")
        .and_then(|e| at(e, "values"))
        .and_then(|list| verified_primary_email(list, "email", "is_primary", "is_confirmed"));
    id.email_verified = id.email.is_some();
    id.name = string(user, "display_name");
    id.preferred_username = string(user, "nickname");
    id.picture = string(user, "links.avatar.href");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: bitbucket(),
        kind: Kind::OAuth2,
        constructor: "bitbucket()",
        fields: &["id", "email", "email_verified", "name", "preferred_username", "picture"],
        register: "an OAuth consumer with Account: Read and Email permissions in Bitbucket → Workspace settings → OAuth consumers",
    }
}
