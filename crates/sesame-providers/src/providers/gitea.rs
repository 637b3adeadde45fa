use sesame_core::identity::Identity;
use sesame_core::provider::{Profile, Provider};

use crate::{Entry, Kind};

/// Gitea or Forgejo (self-hosted): OpenID Connect discovery at
/// `{base_url}/`. The issuer is the instance's `ROOT_URL`, which ends with
/// a slash; the slash is added here.
///
/// Scopes `openid email profile`; PKCE (S256); `client_secret_basic`.
/// `email_verified` is always false: Gitea's ID-token claim is the
/// account's *activation* flag, true without any email check on instances
/// that do not require email confirmation, and userinfo has none.
pub fn gitea(base_url: &str) -> Provider {
    let issuer = format!("{}/", super::base_url(base_url));
    super::build(Provider::openid("gitea", "Gitea", &issuer).map(|p| p.map_identity(map)))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let mut id = super::standard(p)?;
    id.email_verified = false;
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: gitea("https://gitea.example.com"),
        kind: Kind::OidcDiscovery,
        constructor: "gitea(\"https://gitea.example.com\")",
        fields: &["id", "email", "name", "preferred_username", "picture", "locale"],
        register: "a confidential OAuth2 application in the instance's Settings → Applications (or Site Administration → Applications)",
    }
}
