use sesame_core::provider::{ClientAuth, Provider};

use crate::{Entry, Kind};

/// Sign in with Slack (OpenID Connect, discovery at `https://slack.com`).
///
/// Scopes `openid email profile`; PKCE (S256; `openid.connect.token`
/// takes the `code_verifier`); `client_secret_post`. Errors come back as
/// HTTP 200 with `{"ok": false, "error": ..}`, which the core reads as a
/// token error. Standard claims; `sub` is the user id within its workspace
/// (the team id is in `raw` as `https://slack.com/team_id`).
pub fn slack() -> Provider {
    super::build(
        Provider::openid("slack", "Slack", "https://slack.com")
            .map(|p| p.client_auth(ClientAuth::Post)),
    )
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: slack(),
        kind: Kind::OidcDiscovery,
        constructor: "slack()",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name", "picture", "locale"],
        register: "a Slack app at api.slack.com/apps with the openid, email, profile user scopes and an https redirect URL",
    }
}
