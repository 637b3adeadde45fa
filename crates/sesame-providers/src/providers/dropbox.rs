use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::{boolean, string};
use crate::{Entry, Kind};

/// Dropbox (OAuth 2.0). Scope `account_info.read`,
/// `token_access_type=offline` (short-lived access tokens plus a refresh
/// token); PKCE (S256); `client_secret_basic`. The profile is the RPC
/// `POST /2/users/get_current_account`, sent with the JSON body `null`
/// (Dropbox rejects an empty JSON body).
///
/// The id is `account_id` (`dbid:…`); `email_verified` is Dropbox's flag.
pub fn dropbox() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "dropbox",
        "Dropbox",
        "https://www.dropbox.com/oauth2/authorize",
        "https://api.dropboxapi.com/oauth2/token",
    )?
    .scopes(["account_info.read"])
    .client_auth(ClientAuth::Basic)
    .authorization_param("token_access_type", "offline")
    .call(
        ApiCall::get(
            "account",
            "https://api.dropboxapi.com/2/users/get_current_account",
        )?
        .method(http::Method::POST),
    )
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let a = p.response("account").ok_or("no account")?;
    let mut id = Identity::new(p.provider, string(a, "account_id").ok_or("no account id")?);
    id.email = string(a, "email");
    id.email_verified = id.email.is_some() && boolean(a, "email_verified");
    id.name = string(a, "name.display_name");
    id.given_name = string(a, "name.given_name");
    id.family_name = string(a, "name.surname");
    id.picture = string(a, "profile_photo_url");
    id.locale = string(a, "locale");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: dropbox(),
        kind: Kind::OAuth2,
        constructor: "dropbox()",
        fields: &[
            "id",
            "email",
            "email_verified",
            "name",
            "given_name",
            "family_name",
            "picture",
            "locale",
        ],
        register:
            "an app in the Dropbox App Console (scoped access; account_info.read is always on)",
    }
}
