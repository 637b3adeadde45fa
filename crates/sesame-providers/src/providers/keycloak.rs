use sesame_core::provider::Provider;

use crate::{Entry, Kind};

/// Keycloak: OpenID Connect discovery at `{base_url}/realms/{realm}`
/// (Keycloak 17+; for the legacy `/auth` path pass `https://host/auth` as
/// `base_url`). The issuer follows the server's configured hostname, so
/// `base_url` must be the public one.
///
/// Scopes `openid email profile`; PKCE (S256); `client_secret_basic`
/// (a confidential client with "Client Id and Secret"). Standard claims;
/// `email_verified` is Keycloak's own flag.
pub fn keycloak(base_url: &str, realm: &str) -> Provider {
    let issuer = format!("{}/realms/{realm}", super::base_url(base_url));
    super::build(Provider::openid("keycloak", "Keycloak", &issuer))
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: keycloak("https://keycloak.example.com", "your-realm"),
        kind: Kind::OidcDiscovery,
        constructor: "keycloak(\"https://keycloak.example.com\", \"realm\")",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name", "preferred_username", "picture", "locale"],
        register: "an OpenID Connect client in the realm with Client authentication on (confidential) and the Standard flow",
    }
}
