//! Wire fixtures: one module per provider, named after it (`box.rs` holds
//! `r#box`), and the [`harness`] they share: the fake provider, the login
//! driver, and [`common_cases!`](harness::common_cases), which writes the
//! cases many providers repeat (`invalid_grant`, `without_email`,
//! `unverified_email`) from each provider's data.
pub mod harness;

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
