//! Wire fixtures (one module per provider).

use super::harness::Fake;

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

/// The real endpoints of an OpenID Provider, served by the fake through
/// its discovery document and JWKS.
pub struct Oidc {
    pub issuer: &'static str,
    pub authorize: &'static str,
    pub token: &'static str,
    pub userinfo: &'static str,
    pub jwks: &'static str,
}

impl Oidc {
    pub fn serve(&self, fake: &Fake) {
        fake.serve_discovery(
            self.issuer,
            None,
            &[
                ("authorization_endpoint", self.authorize),
                ("token_endpoint", self.token),
                ("userinfo_endpoint", self.userinfo),
                ("jwks_uri", self.jwks),
            ],
        );
        fake.serve_jwks(self.jwks);
    }
}
