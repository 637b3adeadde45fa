use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, BodyFormat, ClientAuth, Profile, Provider};

use crate::map::{obj, string};
use crate::{Entry, Kind};

/// Seznam.cz (Přihlášení přes Seznam, OAuth 2.0). Scopes `identity,avatar`
/// (comma-separated); PKCE; `client_secret_post` in a JSON token request,
/// as documented. `GET /api/v1/user`; the id is `oauth_user_id`. Seznam
/// asserts nothing about the email: `email_verified` stays false.
pub fn seznam() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "seznam",
        "Seznam",
        "https://login.szn.cz/api/v1/oauth/auth",
        "https://login.szn.cz/api/v1/oauth/token",
    )?
    .scopes(["identity", "avatar"])
    .scope_separator(",")
    .client_auth(ClientAuth::Post)
    .token_body(BodyFormat::Json)
    .call(ApiCall::get("user", "https://login.szn.cz/api/v1/user")?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let user = p.response("user").ok_or("no user")?;
    let uid = string(user, "oauth_user_id")
        .or_else(|| string(&obj(p.token_extra), "oauth_user_id"))
        .ok_or("no oauth_user_id")?;
    let mut id = Identity::new(p.provider, uid);
    id.email = string(user, "email");
    id.name = string(user, "accountDisplayName");
    id.given_name = string(user, "firstname");
    id.family_name = string(user, "lastname");
    id.preferred_username = string(user, "username");
    id.picture = string(user, "avatar_url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: seznam(),
        kind: Kind::OAuth2,
        constructor: "seznam()",
        fields: &[
            "id",
            "email",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "picture",
        ],
        register: "a service (with its redirect URI) at vyvojari.seznam.cz → OAuth",
    }
}
