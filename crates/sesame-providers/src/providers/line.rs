use sesame_core::provider::{ClientAuth, Provider};

use crate::{Entry, Kind};

/// LINE Login v2.1 (OpenID Connect, static endpoints, issuer
/// `https://access.line.me`). Scopes `openid email profile` (`email` needs
/// the email permission applied for in the console); PKCE (S256);
/// `client_secret_post` with the channel ID and channel secret.
///
/// Web-login ID tokens are HS256, verified with the channel secret (ES256
/// ones against LINE's JWKS); the identity comes from the validated ID
/// token alone — the email is only there, userinfo has none. LINE has no
/// `email_verified` claim, so it stays false.
pub fn line() -> Provider {
    let p = Provider::openid_static(
        "line",
        "LINE",
        "https://access.line.me",
        "https://access.line.me/oauth2/v2.1/authorize",
        "https://api.line.me/oauth2/v2.1/token",
        "https://api.line.me/oauth2/v2.1/certs",
    )
    .and_then(|p| {
        p.client_auth(ClientAuth::Post)
            .hs256_id_tokens_with_client_secret()
            .userinfo_url("https://api.line.me/oauth2/v2.1/userinfo")
    });
    super::build(p)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: line(),
        kind: Kind::OidcStatic,
        constructor: "line()",
        fields: &["id", "email", "name", "picture"],
        register: "a LINE Login channel (type Web app, Callback URL, OpenID Connect email permission) in the LINE Developers Console; client id = channel ID, secret = channel secret",
    }
}
