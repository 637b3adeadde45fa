use serde_json::Value;
use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

use crate::map::{boolean, string};
use crate::{Entry, Kind};

/// Log in with PayPal (OAuth 2.0 with the Identity API), live environment.
/// Scopes `openid email profile` (enable the attributes in the app's "Log in
/// with PayPal" settings); `client_secret_basic`. PKCE off: PayPal does not
/// document it, so it would buy nothing and risk a rejected login. The
/// profile is `GET /v1/identity/oauth2/userinfo?schema=paypalv1.1`.
///
/// The id is `user_id` (always present; `payer_id` needs an extra scope).
/// The email is the primary entry of `emails`, verified when PayPal marks
/// it `confirmed` (booleans may arrive as strings).
pub fn paypal() -> Provider {
    super::build(build(
        "PayPal",
        "https://www.paypal.com",
        "https://api-m.paypal.com",
    ))
}

/// [`paypal`] in the sandbox environment (`sandbox.paypal.com`), with
/// sandbox credentials. Same provider id, so callback URLs do not change.
pub fn paypal_sandbox() -> Provider {
    super::build(build(
        "PayPal (sandbox)",
        "https://www.sandbox.paypal.com",
        "https://api-m.sandbox.paypal.com",
    ))
}

fn build(name: &str, web: &str, api: &str) -> Result<Provider, ConfigError> {
    Ok(Provider::oauth2(
        "paypal",
        name,
        &format!("{web}/signin/authorize"),
        &format!("{api}/v1/oauth2/token"),
    )?
    .scopes(["openid", "email", "profile"])
    .client_auth(ClientAuth::Basic)
    .pkce(false)
    .call(ApiCall::get(
        "userinfo",
        &format!("{api}/v1/identity/oauth2/userinfo?schema=paypalv1.1"),
    )?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let u = p.response("userinfo").ok_or("no userinfo")?;
    let mut id = Identity::new(p.provider, string(u, "user_id").ok_or("no user id")?);
    let primary = u
        .get("emails")
        .and_then(Value::as_array)
        .and_then(|list| list.iter().find(|e| boolean(e, "primary")));
    if let Some(e) = primary {
        id.email = string(e, "value");
        id.email_verified = id.email.is_some() && boolean(e, "confirmed");
    }
    id.name = string(u, "name");
    id.given_name = string(u, "given_name");
    id.family_name = string(u, "family_name");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: paypal(),
        kind: Kind::OAuth2,
        constructor: "paypal() | paypal_sandbox()",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name"],
        register: "a REST app in the PayPal Developer Dashboard with \"Log in with PayPal\" enabled (return URL, email and profile attributes)",
    }
}
