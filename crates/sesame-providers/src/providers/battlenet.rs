use sesame_core::identity::{claim_string, Identity};
use sesame_core::provider::{Profile, Provider};

use crate::{Entry, Kind};

/// Battle.net (Blizzard; OpenID Connect, discovery at the region-independent
/// `https://oauth.battle.net`; China has its own issuer and accounts).
///
/// Scope `openid`; `client_secret_basic`. PKCE off: Blizzard does not
/// document it, so it would buy nothing and risk a rejected login.
/// Blizzard never releases an email address. The BattleTag (`battle_tag`
/// in the ID token, `battletag` in userinfo) is both `name` and
/// `preferred_username`.
pub fn battlenet() -> Provider {
    super::build(
        Provider::openid("battlenet", "Battle.net", "https://oauth.battle.net")
            .map(|p| p.scopes(["openid"]).pkce(false).map_identity(map)),
    )
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let claims = p.merged_claims();
    let mut id = Identity::new(
        p.provider,
        claim_string(&claims, "sub").ok_or("no sub claim")?,
    );
    id.preferred_username =
        claim_string(&claims, "battletag").or_else(|| claim_string(&claims, "battle_tag"));
    id.name.clone_from(&id.preferred_username);
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: battlenet(),
        kind: Kind::OidcDiscovery,
        constructor: "battlenet()",
        fields: &["id", "name", "preferred_username"],
        register: "a client at develop.battle.net → API Access (https redirect URL)",
    }
}
