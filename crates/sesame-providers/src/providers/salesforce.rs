use sesame_core::provider::{ClientAuth, Provider};

use crate::{Entry, Kind};

/// Salesforce: OpenID Connect discovery from the login URL —
/// `https://login.salesforce.com`, `https://test.salesforce.com` for
/// sandboxes, or a My Domain / Experience Cloud URL.
///
/// Scopes `openid email profile`; PKCE (S256, recommended by Salesforce);
/// `client_secret_post`. The id is `sub`, an identity URL
/// (`https://login.salesforce.com/id/{orgId}/{userId}`) unique across
/// orgs (`user_id` alone is unique only within one org). `email_verified`
/// is Salesforce's claim; the locale uses underscores (`en_US`).
pub fn salesforce(login_url: &str) -> Provider {
    super::build(
        Provider::openid("salesforce", "Salesforce", &super::base_url(login_url))
            .map(|p| p.client_auth(ClientAuth::Post)),
    )
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: salesforce("https://login.salesforce.com"),
        kind: Kind::OidcDiscovery,
        constructor: "salesforce(\"https://login.salesforce.com\")",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name", "preferred_username", "picture", "locale"],
        register: "an External Client App (or Connected App) with OAuth enabled and the openid, email, profile scopes",
    }
}
