use sesame_core::identity::Identity;
use sesame_core::provider::{BodyFormat, Profile, Provider};

use crate::map::{obj, string};
use crate::{Entry, Kind};

/// Notion (public integrations, OAuth 2.0). No scopes (capabilities are set
/// on the integration; enable "Read user information including email
/// addresses" for the email); `owner=user`; PKCE; `client_secret_basic`
/// with a JSON token request and a `Notion-Version` header.
///
/// The person is read from the token response's `owner.user` — no API
/// call. A workspace-owned token carries no person and is refused. Notion
/// does not verify emails for integrations: `email_verified` is false.
pub fn notion() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "notion",
        "Notion",
        "https://api.notion.com/v1/oauth/authorize",
        "https://api.notion.com/v1/oauth/token",
    )?
    .authorization_param("owner", "user")
    .token_body(BodyFormat::Json)
    .token_header("notion-version", "2022-06-28")?
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let token = obj(p.token_extra);
    if string(&token, "owner.type").as_deref() != Some("user") {
        return Err("the token is not owned by a user".into());
    }
    let uid = string(&token, "owner.user.id").ok_or("no owner user id")?;
    let mut id = Identity::new(p.provider, uid);
    id.email = string(&token, "owner.user.person.email");
    id.name = string(&token, "owner.user.name");
    id.picture = string(&token, "owner.user.avatar_url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: notion(),
        kind: Kind::OAuth2,
        constructor: "notion()",
        fields: &["id", "email", "name", "picture"],
        register: "a public integration (with the \"Read user information including email addresses\" capability and a redirect URI) at notion.so/my-integrations",
    }
}
