use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::string;
use crate::{Entry, Kind};

/// Box (OAuth 2.0). No scope parameter: scopes come from the app's
/// configuration. `client_secret_post`. PKCE off: Box does not document it,
/// so it would buy nothing and risk a rejected login. The profile is
/// `GET https://api.box.com/2.0/users/me`. (Box Verified Enterprise
/// accounts sign in at `ent.box.com`; rebase the authorize URL for them.)
///
/// The email is the `login`; Box asserts no verification for it, so
/// `email_verified` stays false.
pub fn r#box() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "box",
        "Box",
        "https://account.box.com/api/oauth2/authorize",
        "https://api.box.com/oauth2/token",
    )?
    .client_auth(ClientAuth::Post)
    .pkce(false)
    .call(ApiCall::get("me", "https://api.box.com/2.0/users/me")?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no profile")?;
    let mut id = Identity::new(p.provider, string(me, "id").ok_or("no user id")?);
    id.email = string(me, "login");
    id.name = string(me, "name");
    id.picture = string(me, "avatar_url");
    id.locale = string(me, "language");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: r#box(),
        kind: Kind::OAuth2,
        constructor: "r#box()",
        fields: &["id", "email", "name", "picture", "locale"],
        register: "a Custom App with User Authentication (OAuth 2.0) in the Box Developer Console",
    }
}
