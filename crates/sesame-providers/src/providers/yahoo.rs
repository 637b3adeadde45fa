use sesame_core::identity::{claim_string, Identity};
use sesame_core::provider::{Profile, Provider};

use crate::{Entry, Kind};

/// Yahoo (OpenID Connect, discovery at `https://api.login.yahoo.com`).
///
/// Scopes `openid email profile` (enable them on the app); ES256 ID tokens;
/// `client_secret_basic`. PKCE off: Yahoo does not document it, so it would
/// buy nothing and risk a rejected login. Standard claims with Yahoo's
/// `email_verified`; `nickname` fills `preferred_username`.
pub fn yahoo() -> Provider {
    super::build(
        Provider::openid("yahoo", "Yahoo", "https://api.login.yahoo.com")
            .map(|p| p.pkce(false).map_identity(map)),
    )
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let mut id = super::standard(p)?;
    if id.preferred_username.is_none() {
        id.preferred_username = claim_string(&p.merged_claims(), "nickname");
    }
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: yahoo(),
        kind: Kind::OidcDiscovery,
        constructor: "yahoo()",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name", "preferred_username", "picture", "locale"],
        register: "an app at developer.yahoo.com/apps with the OpenID Connect permissions (Email, Profile)",
    }
}
