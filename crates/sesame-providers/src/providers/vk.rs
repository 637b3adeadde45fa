use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider, TokenPlacement};
use sesame_core::ConfigError;

use crate::map::{full_name, obj, string};
use crate::{Entry, Kind};

/// VK ID (OAuth 2.1 at `id.vk.com`; the legacy `oauth.vk.com` flow is
/// closed to new apps). Scopes `vkid.personal_info email`; PKCE (S256,
/// required); a public client (`none`): configure no client secret, since
/// VK ID's documented code exchange uses PKCE and `device_id`, not the
/// app's secret. The callback's `device_id` and the login's `state` are
/// sent in the token request, as VK ID's code exchange requires, and the profile is `POST /oauth2/user_info` with
/// `access_token` and `client_id` in a form body.
///
/// The id is `user.user_id`. VK gives the email without any verification
/// flag, so `email_verified` stays false.
pub fn vk() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "vk",
        "VK ID",
        "https://id.vk.com/authorize",
        "https://id.vk.com/oauth2/auth",
    )?
    .scopes(["vkid.personal_info", "email"])
    .client_auth(ClientAuth::None)
    .forward_callback_param("device_id")
    .state_in_token_request()
    .call(
        ApiCall::get("user_info", "https://id.vk.com/oauth2/user_info")?
            .method(http::Method::POST)
            .token(TokenPlacement::Form(
                "access_token".into(),
                Some("client_id".into()),
            )),
    )
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let user = p
        .response("user_info")
        .and_then(|r| r.get("user"))
        .ok_or("no user")?;
    let user_id = string(user, "user_id").or_else(|| string(&obj(p.token_extra), "user_id"));
    let mut id = Identity::new(p.provider, user_id.ok_or("no user id")?);
    id.email = string(user, "email");
    id.given_name = string(user, "first_name");
    id.family_name = string(user, "last_name");
    id.name = full_name(id.given_name.as_deref(), id.family_name.as_deref());
    id.picture = string(user, "avatar");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: vk(),
        kind: Kind::OAuth2,
        constructor: "vk() + a public client (no secret)",
        fields: &["id", "email", "name", "given_name", "family_name", "picture"],
        register: "a Web app in the VK ID business console (id.vk.com/business/go) with a trusted redirect URL",
    }
}
