use sesame_core::provider::Provider;

use crate::{Entry, Kind};

/// GitLab (OpenID Connect, discovery at the instance's base URL):
/// `gitlab("https://gitlab.com")` or a self-managed `https://gitlab.example.com`
/// (a trailing slash is ignored; the base URL is the issuer).
///
/// Scopes `openid email profile` (enable them on the application); PKCE;
/// `client_secret_basic`. `email_verified` is GitLab's own claim; the
/// username comes from `preferred_username`.
pub fn gitlab(base_url: &str) -> Provider {
    super::build(Provider::openid(
        "gitlab",
        "GitLab",
        base_url.trim_end_matches('/'),
    ))
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: gitlab("https://gitlab.com"),
        kind: Kind::OidcDiscovery,
        constructor: "gitlab(\"https://gitlab.com\")",
        fields: &["id", "email", "email_verified", "name", "preferred_username", "picture"],
        register: "an application (confidential, scopes openid email profile) in GitLab → User settings → Applications (or Admin area → Applications on self-managed)",
    }
}
