use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::string;
use crate::{Entry, Kind};

/// Login with Amazon (OAuth 2.0). Scope `profile` (name, email, user id);
/// PKCE (S256); `client_secret_post`. The profile is
/// `GET https://api.amazon.com/user/profile`.
///
/// The id is `user_id` (`amzn1.account.…`, pairwise per developer). Amazon
/// asserts no verification for the email, so `email_verified` stays false.
pub fn amazon() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "amazon",
        "Amazon",
        "https://www.amazon.com/ap/oa",
        "https://api.amazon.com/auth/o2/token",
    )?
    .scopes(["profile"])
    .client_auth(ClientAuth::Post)
    .call(ApiCall::get(
        "profile",
        "https://api.amazon.com/user/profile",
    )?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let profile = p.response("profile").ok_or("no profile")?;
    let mut id = Identity::new(p.provider, string(profile, "user_id").ok_or("no user id")?);
    id.email = string(profile, "email");
    id.name = string(profile, "name");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: amazon(),
        kind: Kind::OAuth2,
        constructor: "amazon()",
        fields: &["id", "email", "name"],
        register: "a Login with Amazon security profile in the Amazon Developer Console (Web Settings → Allowed Return URLs)",
    }
}
