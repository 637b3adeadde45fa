use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};

use crate::map::string;
use crate::{Entry, Kind};

/// The Graph API version used for the dialog, the token exchange and `/me` alike.
const GRAPH: &str = "v23.0";

/// Facebook Login (OAuth 2.0 + Graph API `/me`, pinned to one Graph version).
///
/// Scopes `email,public_profile` (comma-separated); PKCE (S256, documented
/// in Meta's code-flow guide); `client_secret_post`. Graph returns an email
/// only when the user has a valid one and granted `email`, but never says it
/// is verified, so `email_verified` is always false. User ids are app-scoped.
/// Graph calls carry `appsecret_proof`, so "Require App Secret" may be on.
pub fn facebook() -> Provider {
    super::build(build())
}

fn build() -> Result<Provider, sesame_core::ConfigError> {
    Ok(Provider::oauth2(
        "facebook",
        "Facebook",
        &format!("https://www.facebook.com/{GRAPH}/dialog/oauth"),
        &format!("https://graph.facebook.com/{GRAPH}/oauth/access_token"),
    )?
    .scopes(["email", "public_profile"])
    .scope_separator(",")
    .client_auth(ClientAuth::Post)
    .call(ApiCall::get(
        "me",
        &format!(
            "https://graph.facebook.com/{GRAPH}/me?fields=id,name,email,first_name,last_name,picture"
        ),
    )?
    .secret_proof("appsecret_proof"))
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let me = p.response("me").ok_or("no profile")?;
    let mut id = Identity::new(p.provider, string(me, "id").ok_or("no user id")?);
    id.email = string(me, "email");
    id.name = string(me, "name");
    id.given_name = string(me, "first_name");
    id.family_name = string(me, "last_name");
    id.picture = string(me, "picture.data.url");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: facebook(),
        kind: Kind::OAuth2,
        constructor: "facebook()",
        fields: &["id", "email", "name", "given_name", "family_name", "picture"],
        register: "an app with the Facebook Login product in Meta for Developers → My Apps (Valid OAuth Redirect URIs under Facebook Login → Settings)",
    }
}
