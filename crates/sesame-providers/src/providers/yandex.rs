use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, Profile, Provider, TokenPlacement};

use crate::map::{boolean, string};
use crate::{Entry, Kind};

/// Yandex ID (OAuth 2.0). Scopes `login:info login:email login:avatar`
/// (grant them to the app at registration); PKCE; `client_secret_basic`.
/// `GET login.yandex.ru/info?format=json` with Yandex's documented
/// `Authorization: OAuth <token>`. `default_email` carries no verification
/// flag, so `email_verified` stays false.
pub fn yandex() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "yandex",
        "Yandex",
        "https://oauth.yandex.ru/authorize",
        "https://oauth.yandex.ru/token",
    )?
    .scopes(["login:info", "login:email", "login:avatar"])
    .call(
        ApiCall::get("info", "https://login.yandex.ru/info?format=json")?
            .token(TokenPlacement::Scheme("OAuth".into())),
    )
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let info = p.response("info").ok_or("no profile")?;
    let mut id = Identity::new(p.provider, string(info, "id").ok_or("no user id")?);
    id.email = string(info, "default_email");
    id.name = string(info, "real_name").or_else(|| string(info, "display_name"));
    id.given_name = string(info, "first_name");
    id.family_name = string(info, "last_name");
    id.preferred_username = string(info, "login");
    if !boolean(info, "is_avatar_empty") {
        id.picture = string(info, "default_avatar_id")
            .map(|a| format!("https://avatars.yandex.net/get-yapic/{a}/islands-200"));
    }
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: yandex(),
        kind: Kind::OAuth2,
        constructor: "yandex()",
        fields: &["id", "email", "name", "given_name", "family_name", "preferred_username", "picture"],
        register: "an app (Web services platform, Redirect URI, Yandex ID rights login:info, login:email, login:avatar) at oauth.yandex.com",
    }
}
