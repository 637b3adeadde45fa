use sesame_core::provider::Provider;
use sesame_core::ConfigError;

use crate::{Entry, Kind};

/// Any OpenID Provider from its issuer URL (Keycloak, ORY Hydra, Auth0,
/// Okta, Sesame's own authorization server, …).
pub fn openid(id: &str, name: &str, issuer: &str) -> Result<Provider, ConfigError> {
    Provider::openid(id, name, issuer)
}

/// Any OAuth 2.0 provider from explicit endpoints; add profile calls and a
/// mapping with [`Provider::call`] and [`Provider::map_identity`].
pub fn oauth2(id: &str, name: &str, authorize: &str, token: &str) -> Result<Provider, ConfigError> {
    Provider::oauth2(id, name, authorize, token)
}

pub(crate) fn entry_openid() -> Entry {
    Entry {
        provider: super::build(openid(
            "oidc",
            "Any OpenID Provider",
            "https://issuer.example.com",
        )),
        kind: Kind::OidcDiscovery,
        constructor: "openid(id, name, issuer)",
        fields: &[
            "id",
            "email",
            "email_verified",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "picture",
            "locale",
        ],
        register: "a confidential (or public, PKCE) client at your OpenID Provider",
    }
}

pub(crate) fn entry_oauth2() -> Entry {
    Entry {
        provider: super::build(oauth2(
            "oauth2",
            "Any OAuth 2.0 provider",
            "https://provider.example.com/authorize",
            "https://provider.example.com/token",
        )),
        kind: Kind::OAuth2,
        constructor: "oauth2(id, name, authorize_url, token_url) + calls + map_identity",
        fields: &["(your mapping)"],
        register: "an OAuth 2.0 client at the provider",
    }
}
