use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};

use crate::map::{boolean, string};
use crate::{Entry, Kind};

/// Kakao Login (OAuth 2.0 + `GET /v2/user/me`). Scopes
/// `profile_nickname,profile_image,account_email` (comma-separated);
/// PKCE (S256); `client_secret_post` (the client id is the REST API key;
/// register the client without a secret when "Client Secret" is off).
///
/// The email is verified only when Kakao says both `is_email_verified` and
/// `is_email_valid` (an invalid address was reassigned or expired).
/// Kakao's optional OpenID Connect mode is not used: its ID token has no
/// `email_verified`, the REST profile has the flags.
pub fn kakao() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "kakao",
        "Kakao",
        "https://kauth.kakao.com/oauth/authorize",
        "https://kauth.kakao.com/oauth/token",
    )?
    .scopes(["profile_nickname", "profile_image", "account_email"])
    .scope_separator(",")
    .client_auth(ClientAuth::Post)
    .call(ApiCall::get("user", "https://kapi.kakao.com/v2/user/me")?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let user = p.response("user").ok_or("no user")?;
    let mut id = Identity::new(p.provider, string(user, "id").ok_or("no user id")?);
    id.email = string(user, "kakao_account.email");
    id.email_verified = id.email.is_some()
        && boolean(user, "kakao_account.is_email_verified")
        && boolean(user, "kakao_account.is_email_valid");
    id.preferred_username = string(user, "kakao_account.profile.nickname");
    id.name = string(user, "kakao_account.name").or_else(|| id.preferred_username.clone());
    id.picture = string(user, "kakao_account.profile.profile_image_url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: kakao(),
        kind: Kind::OAuth2,
        constructor: "kakao()",
        fields: &["id", "email", "email_verified", "name", "preferred_username", "picture"],
        register: "an app with Kakao Login enabled, a Redirect URI and consent items (nickname, profile image, account email — a Biz app) in Kakao Developers → My Application",
    }
}
