use serde_json::Value;
use sesame_core::identity::{claim_string, Identity};
use sesame_core::provider::{Profile, Provider, ResponseMode};

use crate::map::{boolean, full_name, string};
use crate::{Entry, Kind};

/// Sign in with Apple: static OpenID Connect (`https://appleid.apple.com`),
/// `response_mode=form_post` (the login cookie is `SameSite=None`), scopes
/// `name email`. Pair it with
/// [`crate::apple_client_secret::AppleClientSecret`] as the client's minted
/// secret. The user's name arrives only once, in the first-login `user` form
/// field, and is read from there.
pub fn apple() -> Provider {
    let p = Provider::openid_static(
        "apple",
        "Apple",
        "https://appleid.apple.com",
        "https://appleid.apple.com/auth/authorize",
        "https://appleid.apple.com/auth/token",
        "https://appleid.apple.com/auth/keys",
    )
    .map(|p| {
        p.scopes(["name", "email"])
            .client_auth(sesame_core::provider::ClientAuth::Post)
            .response_mode(ResponseMode::FormPost)
            .map_identity(map)
    });
    super::build(p)
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let claims = p.id_token.map(|c| c.claims.map()).ok_or("no id token")?;
    let mut id = Identity::new(p.provider, claim_string(claims, "sub").ok_or("no sub")?);
    id.email = claim_string(claims, "email");
    id.email_verified =
        id.email.is_some() && boolean(&Value::Object(claims.clone()), "email_verified");
    if let Some(user) = p
        .callback_field("user")
        .and_then(|u| serde_json::from_str::<Value>(u).ok())
    {
        id.given_name = string(&user, "name.firstName");
        id.family_name = string(&user, "name.lastName");
        id.name = full_name(id.given_name.as_deref(), id.family_name.as_deref());
    }
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: apple(),
        kind: Kind::OidcStatic,
        constructor: "apple() + AppleClientSecret::from_p8(p8, team_id, key_id)",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name"],
        register: "a Services ID with \"Sign in with Apple\" and a key (.p8) in Apple Developer → Certificates, Identifiers & Profiles",
    }
}
