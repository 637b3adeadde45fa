use sesame_core::identity::{claim_string, Identity};
use sesame_core::provider::{ClientAuth, Profile, Provider};

use crate::{Entry, Kind};

/// Auth0 (Okta Customer Identity Cloud): OpenID Connect discovery at
/// `https://{domain}/` — the issuer keeps its trailing slash. `domain` is
/// the tenant domain (`dev-abc123.us.auth0.com`) or a custom domain; an
/// `https://` URL is accepted too.
///
/// Scopes `openid email profile`; PKCE (S256); `client_secret_post`, the
/// default "Token Endpoint Authentication Method" of a Regular Web
/// Application. `email_verified` is Auth0's own claim (for social
/// connections it is copied from the upstream provider, false when that
/// one does not say). `nickname` fills `preferred_username` when the
/// tenant sends none.
pub fn auth0(domain: &str) -> Provider {
    let issuer = format!("{}/", super::base_url(domain));
    super::build(
        Provider::openid("auth0", "Auth0", &issuer)
            .map(|p| p.client_auth(ClientAuth::Post).map_identity(map)),
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
        provider: auth0("your-tenant.us.auth0.com"),
        kind: Kind::OidcDiscovery,
        constructor: "auth0(\"your-tenant.us.auth0.com\")",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name", "preferred_username", "picture", "locale"],
        register: "a Regular Web Application in the Auth0 dashboard → Applications (Token Endpoint Authentication Method: Post)",
    }
}
