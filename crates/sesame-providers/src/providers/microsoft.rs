use sesame_core::identity::{claim_string, Identity};
use sesame_core::idtoken::IssuerRule;
use sesame_core::provider::{ApiCall, Profile, Provider};

use crate::map::string;
use crate::{Entry, Kind};

const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

/// Microsoft Entra ID (v2.0 endpoint). `tenant` is `common`,
/// `organizations`, `consumers` or a tenant id/domain.
///
/// Multi-tenant discovery declares the templated issuer
/// `https://login.microsoftonline.com/{tenantid}/v2.0`; ID tokens are then
/// checked against it with the token's own `tid`. The email comes from
/// Graph `mail`, then the ID token's `email`, then `preferred_username`;
/// Microsoft never asserts verification, so `email_verified` stays false.
pub fn microsoft(tenant: &str) -> Provider {
    let issuer = format!("https://login.microsoftonline.com/{tenant}/v2.0");
    let multi = matches!(tenant, "common" | "organizations" | "consumers");
    let built = Provider::openid("microsoft", "Microsoft", &issuer).and_then(|p| {
        let p = p
            .scopes(["openid", "email", "profile", "User.Read"])
            .issuer_rule(IssuerRule::Template {
                template: TEMPLATE.into(),
                placeholder: "{tenantid}".into(),
                claim: "tid".into(),
            })
            .calls(vec![ApiCall::get(
                "me",
                "https://graph.microsoft.com/v1.0/me",
            )?
            .optional()])
            .map_identity(map);
        Ok(if multi {
            p.metadata_issuer(TEMPLATE)
        } else {
            p
        })
    });
    super::build(built)
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let claims = p.id_token.map(|c| c.claims.clone()).unwrap_or_default();
    let mut id = Identity::new(p.provider, claim_string(&claims, "sub").ok_or("no sub")?);
    let me = p.response("me");
    id.email = me
        .and_then(|m| string(m, "mail"))
        .or_else(|| claim_string(&claims, "email"))
        .or_else(|| claim_string(&claims, "preferred_username"));
    id.name = claim_string(&claims, "name").or_else(|| me.and_then(|m| string(m, "displayName")));
    id.given_name = me.and_then(|m| string(m, "givenName"));
    id.family_name = me.and_then(|m| string(m, "surname"));
    id.preferred_username = claim_string(&claims, "preferred_username");
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: microsoft("common"),
        kind: Kind::OidcDiscovery,
        constructor: "microsoft(\"common\" | \"organizations\" | \"consumers\" | tenant)",
        fields: &["id", "email", "name", "given_name", "family_name", "preferred_username"],
        register: "an app registration in Microsoft Entra admin center → App registrations (platform: Web)",
    }
}
