use sesame_core::provider::Provider;

use crate::{Entry, Kind};

/// Google (OpenID Connect, discovery at `https://accounts.google.com`).
///
/// Scopes `openid email profile`; PKCE; `email_verified` from Google's own claim.
pub fn google() -> Provider {
    super::build(Provider::openid(
        "google",
        "Google",
        "https://accounts.google.com",
    ))
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: google(),
        kind: Kind::OidcDiscovery,
        constructor: "google()",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name", "picture", "locale"],
        register: "an OAuth client ID of type \"Web application\" in Google Cloud Console → APIs & Services → Credentials",
    }
}
