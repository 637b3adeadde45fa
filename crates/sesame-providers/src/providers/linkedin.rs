use serde_json::Value;
use sesame_core::identity::{claim_string, Identity};
use sesame_core::provider::{ClientAuth, Profile, Provider};

use crate::map::string;
use crate::{Entry, Kind};

/// LinkedIn (Sign In with LinkedIn using OpenID Connect; discovery at
/// `https://www.linkedin.com/oauth`). Scopes `openid email profile`;
/// `client_secret_post`; no PKCE (LinkedIn's token endpoint rejects a
/// `code_verifier` for web apps). The ID token is always validated
/// (signature, `iss`, `aud`, `exp`) and a login without one is refused;
/// `email_verified` is LinkedIn's claim (sometimes the string `"true"`).
/// No `nonce` is sent: LinkedIn never echoes one.
pub fn linkedin() -> Provider {
    // Limitation: LinkedIn never echoes a `nonce` in its ID tokens, and the
    // core sends and requires one for OpenID providers (`openid == true`).
    // The flag is cleared, so no nonce is sent; the ID token is still
    // validated (signature via the discovered JWKS, iss, aud, exp) because
    // the metadata has an issuer and a JWKS, and the mapping requires it.
    let p = Provider::openid("linkedin", "LinkedIn", "https://www.linkedin.com/oauth").map(|p| {
        let mut p = p
            .client_auth(ClientAuth::Post)
            .pkce(false)
            .map_identity(map);
        p.openid = false;
        p
    });
    super::build(p)
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let token = p.id_token.ok_or("no validated id token")?;
    // The core has checked that a userinfo `sub` equals the ID token's.
    let mut id = Identity::from_standard_claims(p.provider, &p.merged_claims()).ok_or("no sub")?;
    // Userinfo's `locale` is an object ({"country", "language"}); the ID token's is a string.
    id.locale = claim_string(&token.claims, "locale").or_else(|| {
        let ui = p.response("userinfo").unwrap_or(&Value::Null);
        let lang = string(ui, "locale.language")?;
        Some(match string(ui, "locale.country") {
            Some(c) => format!("{lang}_{c}"),
            None => lang,
        })
    });
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: linkedin(),
        kind: Kind::OidcDiscovery,
        constructor: "linkedin()",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name", "picture", "locale"],
        register: "an app with the \"Sign In with LinkedIn using OpenID Connect\" product in the LinkedIn Developer Portal (Auth → Authorized redirect URLs)",
    }
}
