use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};

use crate::map::string;
use crate::{Entry, Kind};

/// Naver Login (네이버 아이디로 로그인, OAuth 2.0). No scopes (the profile
/// fields are chosen at registration); PKCE; `client_secret_post`.
/// The token request repeats `state`, as Naver's spec lists it.
/// `GET /v1/nid/me`, whose `resultcode` must be `"00"`. Naver does not
/// say the email is verified (it may be a contact address): never verified.
pub fn naver() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "naver",
        "Naver",
        "https://nid.naver.com/oauth2.0/authorize",
        "https://nid.naver.com/oauth2.0/token",
    )?
    .client_auth(ClientAuth::Post)
    .state_in_token_request()
    .call(ApiCall::get("me", "https://openapi.naver.com/v1/nid/me")?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no profile")?;
    if string(me, "resultcode").as_deref() != Some("00") {
        return Err(format!(
            "profile error: {}",
            string(me, "message").unwrap_or_default()
        ));
    }
    let mut id = Identity::new(p.provider, string(me, "response.id").ok_or("no user id")?);
    id.email = string(me, "response.email");
    id.name = string(me, "response.name");
    id.preferred_username = string(me, "response.nickname");
    id.picture = string(me, "response.profile_image");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: naver(),
        kind: Kind::OAuth2,
        constructor: "naver()",
        fields: &["id", "email", "name", "preferred_username", "picture"],
        register: "an application using 네이버 로그인 with a Callback URL and the profile fields to share at developers.naver.com → Application",
    }
}
