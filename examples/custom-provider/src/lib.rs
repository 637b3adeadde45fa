//! "Login with Mastodon": a provider that is not in the catalog, defined
//! with `sesame-core`'s public API only — exactly what a third-party
//! `sesame-mastodon` crate would publish.

use sesame_core::identity::Identity;
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};
use sesame_core::ConfigError;

/// Mastodon (any instance). OAuth 2.0 with PKCE, `client_secret_post`,
/// scope `read:accounts`; the profile comes from
/// `GET /api/v1/accounts/verify_credentials`. Mastodon does not disclose
/// email addresses, so `email` stays empty.
pub fn mastodon(instance: &str) -> Result<Provider, ConfigError> {
    let base = instance.trim_end_matches('/');
    Ok(Provider::oauth2(
        "mastodon",
        "Mastodon",
        &format!("{base}/oauth/authorize"),
        &format!("{base}/oauth/token"),
    )?
    .scopes(["read:accounts"])
    .client_auth(ClientAuth::Post)
    .call(ApiCall::get(
        "account",
        &format!("{base}/api/v1/accounts/verify_credentials"),
    )?)
    .map_identity(map))
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let account = p.object("account").ok_or("no account")?;
    let text = |k: &str| {
        account
            .get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut id = Identity::new(p.provider, text("id").ok_or("no account id")?);
    id.preferred_username = text("acct");
    id.name = text("display_name").or_else(|| text("username"));
    id.picture = text("avatar");
    Ok(id)
}
