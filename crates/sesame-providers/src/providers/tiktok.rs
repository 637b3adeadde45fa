use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::{obj, string};
use crate::{Entry, Kind};

const USER_INFO: &str =
    "https://open.tiktokapis.com/v2/user/info/?fields=open_id,union_id,avatar_url,display_name";

/// TikTok (Login Kit, OAuth 2.0 v2). The client id travels as
/// `client_key`, in the authorization and token requests alike; scope
/// `user.info.basic` (comma-separated list); PKCE (S256; TikTok now
/// requires a challenge); `client_secret_post`. The profile is
/// `GET /v2/user/info/` with the fields listed explicitly.
///
/// The id is `open_id` (per app; `union_id`, in `raw`, is stable across a
/// developer's apps). TikTok discloses no email.
pub fn tiktok() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "tiktok",
        "TikTok",
        "https://www.tiktok.com/v2/auth/authorize/",
        "https://open.tiktokapis.com/v2/oauth/token/",
    )?
    .scopes(["user.info.basic"])
    .scope_separator(",")
    .client_id_param("client_key")
    .client_auth(ClientAuth::Post)
    .call(ApiCall::get("user_info", USER_INFO)?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let user = p
        .response("user_info")
        .and_then(|r| r.pointer("/data/user"));
    let open_id = user
        .and_then(|u| string(u, "open_id"))
        .or_else(|| string(&obj(p.token_extra), "open_id"));
    let mut id = Identity::new(p.provider, open_id.ok_or("no open_id")?);
    if let Some(u) = user {
        id.name = string(u, "display_name");
        id.picture = string(u, "avatar_url");
    }
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: tiktok(),
        kind: Kind::OAuth2,
        constructor: "tiktok() + the client key as client id",
        fields: &["id", "name", "picture"],
        register: "an app with Login Kit (Web) at developers.tiktok.com (client key and secret, redirect URI)",
    }
}
