use sesame_core::identity::Identity;
use sesame_core::provider::{ClientAuth, Profile, Provider};

use crate::{Entry, Kind};

/// Profile claims Twitch returns only when asked for with `claims`.
const CLAIMS: &str = r#"{"id_token":{"email":null,"email_verified":null,"picture":null,"preferred_username":null},"userinfo":{"email":null,"email_verified":null,"picture":null,"preferred_username":null}}"#;

/// Twitch (OpenID Connect, discovery at `https://id.twitch.tv/oauth2`).
///
/// Scopes `openid user:read:email`, plus the `claims` parameter without
/// which the ID token and userinfo carry almost no profile.
/// `client_secret_post` (the only method Twitch accepts). PKCE off: Twitch
/// does not document it, so it would buy nothing and risk a rejected login.
/// `email_verified` is Twitch's claim; the display name
/// (`preferred_username`) is also the `name`.
pub fn twitch() -> Provider {
    super::build(
        Provider::openid("twitch", "Twitch", "https://id.twitch.tv/oauth2").map(|p| {
            p.scopes(["openid", "user:read:email"])
                .client_auth(ClientAuth::Post)
                .pkce(false)
                .authorization_param("claims", CLAIMS)
                .map_identity(map)
        }),
    )
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let mut id = super::standard(p)?;
    if id.name.is_none() {
        id.name.clone_from(&id.preferred_username);
    }
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: twitch(),
        kind: Kind::OidcDiscovery,
        constructor: "twitch()",
        fields: &[
            "id",
            "email",
            "email_verified",
            "name",
            "preferred_username",
            "picture",
        ],
        register: "an application in the Twitch Developer Console (client type: Confidential)",
    }
}
