use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider, TokenPlacement};
use sesame_core::ConfigError;

use crate::map::{obj, string};
use crate::{Entry, Kind};

const ME: &str = "https://graph.instagram.com/v22.0/me?fields=user_id,username,name,account_type,profile_picture_url";

/// Instagram (Business Login for Instagram, OAuth 2.0). Works only for
/// professional (Business/Creator) accounts: the consumer Basic Display
/// API is gone. Scope `instagram_business_basic` (comma-separated list);
/// `client_secret_post` with the Instagram app id. PKCE off: Instagram
/// does not document it for Business Login, so it would buy nothing and
/// risk a rejected login. The profile is `GET graph.instagram.com/me` with
/// the token in the `access_token` query parameter, as documented.
///
/// The id is `user_id`, the professional account id (the `/me` `id` is a
/// different, app-scoped id). Instagram discloses no email.
///
/// The token response is read in its flat shape (`access_token`, `user_id`,
/// `permissions` at the top level), which is what Instagram sends in practice.
pub fn instagram() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "instagram",
        "Instagram",
        "https://www.instagram.com/oauth/authorize",
        "https://api.instagram.com/oauth/access_token",
    )?
    .scopes(["instagram_business_basic"])
    .scope_separator(",")
    .client_auth(ClientAuth::Post)
    .pkce(false)
    .call(ApiCall::get("me", ME)?.token(TokenPlacement::Query("access_token".into())))
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no profile")?;
    let user_id = string(me, "user_id").or_else(|| string(&obj(p.token_extra), "user_id"));
    let mut id = Identity::new(p.provider, user_id.ok_or("no user id")?);
    id.preferred_username = string(me, "username");
    id.name = string(me, "name");
    id.picture = string(me, "profile_picture_url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: instagram(),
        kind: Kind::OAuth2,
        constructor: "instagram()",
        fields: &["id", "name", "preferred_username", "picture"],
        register: "a Meta app with the Instagram product → API setup with Instagram business login (use the Instagram app id and secret)",
    }
}
