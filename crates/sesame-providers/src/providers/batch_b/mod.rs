//! Catalog providers (one module per provider).
#![allow(unused_imports)]

use sesame_core::identity::Identity;
use sesame_core::provider::Profile;

use crate::Entry;

mod amazon;
mod atlassian;
mod auth0;
mod battlenet;
mod r#box;
mod cognito;
mod dropbox;
mod figma;
mod gitea;
mod huggingface;
mod instagram;
mod keycloak;
mod okta;
mod patreon;
mod paypal;
mod reddit;
mod salesforce;
mod slack;
mod strava;
mod tiktok;
mod twitch;
mod vk;
mod yahoo;
mod zitadel;
mod zoom;

pub use amazon::amazon;
pub use atlassian::atlassian;
pub use auth0::auth0;
pub use battlenet::battlenet;
pub use cognito::cognito;
pub use dropbox::dropbox;
pub use figma::figma;
pub use gitea::gitea;
pub use huggingface::huggingface;
pub use instagram::instagram;
pub use keycloak::keycloak;
pub use okta::okta;
pub use patreon::patreon;
pub use paypal::{paypal, paypal_sandbox};
pub use r#box::r#box;
pub use reddit::reddit;
pub use salesforce::salesforce;
pub use slack::slack;
pub use strava::strava;
pub use tiktok::tiktok;
pub use twitch::twitch;
pub use vk::vk;
pub use yahoo::yahoo;
pub use zitadel::zitadel;
pub use zoom::zoom;

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        auth0::entry(),
        okta::entry(),
        keycloak::entry(),
        cognito::entry(),
        salesforce::entry(),
        zitadel::entry(),
        gitea::entry(),
        slack::entry(),
        twitch::entry(),
        reddit::entry(),
        dropbox::entry(),
        instagram::entry(),
        strava::entry(),
        zoom::entry(),
        vk::entry(),
        battlenet::entry(),
        patreon::entry(),
        atlassian::entry(),
        r#box::entry(),
        amazon::entry(),
        yahoo::entry(),
        paypal::entry(),
        tiktok::entry(),
        figma::entry(),
        huggingface::entry(),
    ]
}

/// `https://host[/path]` without a trailing slash, from a bare host
/// (`dev-123.us.auth0.com`) or a URL (`https://dev-123.us.auth0.com/`).
fn base_url(host_or_url: &str) -> String {
    let s = host_or_url.trim().trim_end_matches('/');
    if s.contains("://") {
        s.to_owned()
    } else {
        format!("https://{s}")
    }
}

/// The standard OpenID Connect mapping (ID token claims merged with userinfo).
fn standard(p: &Profile<'_>) -> Result<Identity, String> {
    Identity::from_standard_claims(p.provider, &p.merged_claims())
        .ok_or_else(|| "no sub claim".to_owned())
}
