use sesame_core::provider::Provider;

use crate::{Entry, Kind};

/// ZITADEL: OpenID Connect discovery from the instance URL
/// (`https://my-instance-abc123.zitadel.cloud` or a custom domain).
///
/// Scopes `openid email profile`; PKCE (S256, recommended by ZITADEL for
/// every app type); `client_secret_basic` (the "Basic" auth method of a web
/// application; client ids containing `@` are form-encoded as ZITADEL
/// requires). The profile comes from userinfo, since the ID token carries
/// no profile claims unless the app asks for them. Standard claims.
pub fn zitadel(instance_url: &str) -> Provider {
    super::build(Provider::openid(
        "zitadel",
        "ZITADEL",
        &super::base_url(instance_url),
    ))
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: zitadel("https://your-instance.zitadel.cloud"),
        kind: Kind::OidcDiscovery,
        constructor: "zitadel(\"https://your-instance.zitadel.cloud\")",
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
        register: "a Web application in a ZITADEL project (authentication method: Basic)",
    }
}
