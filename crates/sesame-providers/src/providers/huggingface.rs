use sesame_core::provider::Provider;

use crate::{Entry, Kind};

/// Sign in with Hugging Face (OpenID Connect, discovery at
/// `https://huggingface.co`).
///
/// Scopes `openid email profile`; PKCE (S256); `client_secret_basic`.
/// Standard claims: `sub` is stable across renames, `preferred_username`
/// is the handle, and `email_verified` is Hugging Face's claim (it
/// requires a verified email before granting OAuth access).
pub fn huggingface() -> Provider {
    super::build(Provider::openid(
        "huggingface",
        "Hugging Face",
        "https://huggingface.co",
    ))
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: huggingface(),
        kind: Kind::OidcDiscovery,
        constructor: "huggingface()",
        fields: &["id", "email", "email_verified", "name", "preferred_username", "picture"],
        register: "a Connected App in Hugging Face → Settings → Connected Apps (scopes openid, profile, email)",
    }
}
