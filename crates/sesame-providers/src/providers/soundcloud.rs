use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider, TokenPlacement};

use crate::map::string;
use crate::{Entry, Kind};

/// SoundCloud (OAuth 2.1-style). No scopes; PKCE is mandatory;
/// `client_secret_post`. `GET api.soundcloud.com/me` with SoundCloud's
/// documented `Authorization: OAuth <token>`. The API exposes no email.
pub fn soundcloud() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "soundcloud",
        "SoundCloud",
        "https://secure.soundcloud.com/authorize",
        "https://secure.soundcloud.com/oauth/token",
    )?
    .client_auth(ClientAuth::Post)
    .call(
        ApiCall::get("me", "https://api.soundcloud.com/me")?
            .header("accept", "application/json; charset=utf-8")?
            .token(TokenPlacement::Scheme("OAuth".into())),
    )
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no user")?;
    let mut id = Identity::new(p.provider, string(me, "id").ok_or("no user id")?);
    id.name = string(me, "full_name").or_else(|| string(me, "username"));
    id.given_name = string(me, "first_name");
    id.family_name = string(me, "last_name");
    id.preferred_username = string(me, "permalink");
    id.picture = string(me, "avatar_url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: soundcloud(),
        kind: Kind::OAuth2,
        constructor: "soundcloud()",
        fields: &[
            "id",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "picture",
        ],
        register: "an app with a redirect URI at soundcloud.com/you/apps",
    }
}
