use sesame_core::provider::Provider;

use crate::{Entry, Kind};

/// Okta (Workforce Identity): OpenID Connect discovery from `issuer` — a
/// custom authorization server (`https://{domain}/oauth2/default`,
/// recommended) or the org authorization server (`https://{domain}`).
/// Tokens of one server are not valid at the other.
///
/// Scopes `openid email profile`; PKCE (S256); `client_secret_basic` (the
/// default of an Okta web app). Standard claims, including Okta's own
/// `email_verified` and `preferred_username` (the Okta login).
pub fn okta(issuer: &str) -> Provider {
    super::build(Provider::openid(
        "okta",
        "Okta",
        issuer.trim_end_matches('/'),
    ))
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: okta("https://your-org.okta.com/oauth2/default"),
        kind: Kind::OidcDiscovery,
        constructor: "okta(\"https://your-org.okta.com/oauth2/default\")",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name", "preferred_username", "picture", "locale"],
        register: "an OIDC Web Application in the Okta Admin Console → Applications (grant type: Authorization Code)",
    }
}
