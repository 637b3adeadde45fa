//! One file per provider, named after it (`google.rs`, `r#box` in
//! `box.rs`, …); each is a short, mostly declarative module. `generic.rs`
//! holds the two generic constructors, [`openid`] and [`oauth2`] (any
//! OpenID Provider, any OAuth 2.0 provider; catalog rows too).
//!
//! Conventions: a module `x` exports `pub fn x(..) -> Provider` (re-exported
//! here, and from the crate root) and `pub(crate) fn entry() -> Entry` (its
//! catalog row, listed once in [`entries`]); constructor failures are
//! impossible for the fixed URLs used here, so they go through [`build`],
//! which turns a configuration bug into a test failure, not a runtime panic
//! for users. Helpers several providers share ([`base_url`], [`standard`])
//! live here too.

use sesame_core::identity::Identity;
use sesame_core::provider::{Profile, Provider};
use sesame_core::ConfigError;

use crate::Entry;

mod amazon;
mod apple;
mod atlassian;
mod auth0;
mod battlenet;
mod bitbucket;
mod r#box;
mod cognito;
mod discord;
mod dropbox;
mod facebook;
mod figma;
mod fitbit;
mod generic;
mod gitea;
mod github;
mod gitlab;
mod google;
mod huggingface;
mod instagram;
mod kakao;
mod keycloak;
mod line;
mod linkedin;
mod microsoft;
mod naver;
mod notion;
mod okta;
mod patreon;
mod paypal;
mod reddit;
mod salesforce;
mod seznam;
mod slack;
mod soundcloud;
mod spotify;
mod strava;
mod tidal;
mod tiktok;
mod twitch;
mod twitter;
mod vk;
mod yahoo;
mod yandex;
mod zitadel;
mod zoom;

pub use amazon::amazon;
pub use apple::apple;
pub use atlassian::atlassian;
pub use auth0::auth0;
pub use battlenet::battlenet;
pub use bitbucket::bitbucket;
pub use cognito::cognito;
pub use discord::discord;
pub use dropbox::dropbox;
pub use facebook::facebook;
pub use figma::figma;
pub use fitbit::fitbit;
pub use generic::{oauth2, openid};
pub use gitea::gitea;
pub use github::github;
pub use gitlab::gitlab;
pub use google::google;
pub use huggingface::huggingface;
pub use instagram::instagram;
pub use kakao::kakao;
pub use keycloak::keycloak;
pub use line::line;
pub use linkedin::linkedin;
pub use microsoft::microsoft;
pub use naver::naver;
pub use notion::notion;
pub use okta::okta;
pub use patreon::patreon;
pub use paypal::{paypal, paypal_sandbox};
pub use r#box::r#box;
pub use reddit::reddit;
pub use salesforce::salesforce;
pub use seznam::seznam;
pub use slack::slack;
pub use soundcloud::soundcloud;
pub use spotify::spotify;
pub use strava::strava;
pub use tidal::tidal;
pub use tiktok::tiktok;
pub use twitch::twitch;
pub use twitter::twitter;
pub use vk::vk;
pub use yahoo::yahoo;
pub use yandex::yandex;
pub use zitadel::zitadel;
pub use zoom::zoom;

/// Unwraps a provider built from the catalog's own constant URLs.
///
/// Those URLs are fixed in this crate and covered by its tests, so an error
/// here is a bug in the catalog; it degrades to a provider whose endpoints
/// point nowhere rather than a panic.
pub(crate) fn build(result: Result<Provider, ConfigError>) -> Provider {
    result.unwrap_or_else(|_| {
        Provider::oauth2(
            "invalid",
            "Invalid",
            "https://invalid.invalid/",
            "https://invalid.invalid/",
        )
        .unwrap_or_else(|_| unreachable!("constant https urls parse"))
    })
}

/// The catalog rows, in the order the docs list them (`docs/providers.md`
/// is generated from it).
pub(crate) fn entries() -> Vec<Entry> {
    vec![
        google::entry(),
        microsoft::entry(),
        github::entry(),
        apple::entry(),
        facebook::entry(),
        gitlab::entry(),
        bitbucket::entry(),
        discord::entry(),
        linkedin::entry(),
        twitter::entry(),
        spotify::entry(),
        fitbit::entry(),
        notion::entry(),
        kakao::entry(),
        naver::entry(),
        line::entry(),
        yandex::entry(),
        seznam::entry(),
        soundcloud::entry(),
        tidal::entry(),
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
        generic::entry_openid(),
        generic::entry_oauth2(),
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
