use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, Profile, Provider};

use crate::map::string;
use crate::{Entry, Kind};

/// X (Twitter) OAuth 2.0. Scopes `tweet.read users.read users.email`
/// (`/2/users/me` needs the first two); PKCE is mandatory; confidential
/// clients use `client_secret_basic`. `GET /2/users/me` with
/// `user.fields=profile_image_url,confirmed_email`: the email is
/// `confirmed_email`, which X only returns for a confirmed address, so it
/// is marked verified. Without `users.email` (or the app's "Request email
/// from users" setting) there is no email.
pub fn twitter() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "twitter",
        "X",
        "https://x.com/i/oauth2/authorize",
        "https://api.x.com/2/oauth2/token",
    )?
    .scopes(["tweet.read", "users.read", "users.email"])
    .call(ApiCall::get(
        "me",
        "https://api.x.com/2/users/me?user.fields=profile_image_url,confirmed_email",
    )?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no user")?;
    let mut id = Identity::new(p.provider, string(me, "data.id").ok_or("no user id")?);
    id.email = string(me, "data.confirmed_email");
    id.email_verified = id.email.is_some();
    id.name = string(me, "data.name");
    id.preferred_username = string(me, "data.username");
    id.picture = string(me, "data.profile_image_url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: twitter(),
        kind: Kind::OAuth2,
        constructor: "twitter()",
        fields: &["id", "email", "email_verified", "name", "preferred_username", "picture"],
        register: "an app with User authentication settings (OAuth 2.0, type \"Web App\", callback URI; \"Request email from users\" for the email) in the X Developer Portal",
    }
}
