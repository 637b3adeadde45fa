//! The authorization server fixture: four registered clients, one user,
//! and — in a fresh [`MemoryStore`] for every input — two unused codes and
//! one current refresh token whose values the seed corpora use, so that
//! fuzzed requests reach the grants and not only client authentication.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::{Map, Value};
use sesame_core::jose::Algorithm;
use sesame_server::{
    AuthServerService, AuthorizationServer, CodeGrant, MemoryStore, RefreshGrant, RegisteredClient,
    ServerConfig, StaticUsers, Store,
};

/// The issuer.
pub const ISSUER: &str = "https://id.example.com";
/// A confidential, first-party client.
pub const WEB_ID: &str = "web";
/// Its secret.
pub const WEB_SECRET: &str = "web-secret";
/// Its redirect URI.
pub const WEB_REDIRECT: &str = "https://app.example.com/cb";
/// A public client (PKCE only).
pub const SPA_ID: &str = "spa";
/// Its redirect URI.
pub const SPA_REDIRECT: &str = "https://spa.example.com/cb";
/// A native app (loopback redirect, any port).
pub const CLI_ID: &str = "cli";
/// Its redirect URI.
pub const CLI_REDIRECT: &str = "http://127.0.0.1/cb";
/// A confidential third-party client limited to `openid profile`.
pub const PARTNER_ID: &str = "partner";
/// Its secret.
pub const PARTNER_SECRET: &str = "partner-secret";
/// Its redirect URI.
pub const PARTNER_REDIRECT: &str = "https://partner.example.com/cb";

/// The PKCE verifier of RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// Its S256 challenge.
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// An unused code for `web` (scopes `openid profile offline_access`).
pub const CODE_WEB: &str = "fuzz-code-web";
/// An unused code for `spa` (scope `openid`).
pub const CODE_SPA: &str = "fuzz-code-spa";
/// The current refresh token of `web`'s family `fam-web`.
pub const REFRESH_WEB: &str = "fuzz-refresh-web";
/// The family of `CODE_WEB` and `REFRESH_WEB` (an access token's `sid`).
pub const FAMILY_WEB: &str = "fam-web";

/// What every input shares: the server, the users, and an access token of
/// `web` issued (at fixture time) from a code exchange.
pub struct Fixture {
    /// The protocol.
    pub server: Arc<AuthorizationServer>,
    /// alice / alice-password.
    pub users: Arc<StaticUsers>,
    /// A valid access token of `web` (family `fam-web`), valid at [`crate::now`].
    pub access_token: String,
    grants: Vec<(String, CodeGrant)>,
    refresh: (String, RefreshGrant),
}

/// The stored form of a code or token: its SHA-256, base64url (as the server stores it).
pub fn stored(s: &str) -> String {
    sesame_core::base64url::encode(ring::digest::digest(&ring::digest::SHA256, s.as_bytes()))
}

fn scopes(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| (*s).to_owned()).collect()
}

fn alice_claims() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("email".into(), Value::String("alice@example.com".into()));
    m.insert("role".into(), Value::String("admin".into()));
    m
}

impl Fixture {
    /// The shared fixture.
    pub fn get() -> &'static Fixture {
        static F: OnceLock<Fixture> = OnceLock::new();
        F.get_or_init(Fixture::build)
    }

    fn build() -> Fixture {
        let config = ServerConfig::new(ISSUER)
            .id_token_alg(Algorithm::EdDSA)
            .access_token_alg(Algorithm::EdDSA)
            .client(RegisteredClient::new(
                WEB_ID,
                Some(WEB_SECRET),
                &[WEB_REDIRECT],
            ))
            .client(RegisteredClient::new(SPA_ID, None, &[SPA_REDIRECT]))
            .client(RegisteredClient::new(CLI_ID, None, &[CLI_REDIRECT]).native_app())
            .client(
                RegisteredClient::new(PARTNER_ID, Some(PARTNER_SECRET), &[PARTNER_REDIRECT])
                    .third_party()
                    .scopes(["openid", "profile"]),
            );
        let server = Arc::new(AuthorizationServer::new(config, crate::ed25519_key()));
        let users =
            Arc::new(StaticUsers::default().user("alice", "alice-password", alice_claims()));
        let code = |client: &str, redirect: &str, sc: &[&str], family: &str| CodeGrant {
            client_id: client.into(),
            redirect_uri: redirect.into(),
            code_challenge: CHALLENGE.into(),
            scopes: scopes(sc),
            subject: "alice".into(),
            claims: alice_claims(),
            nonce: Some("n-0S6_WzA2Mj".into()),
            expires_at: crate::now() + Duration::from_secs(60),
            family: family.into(),
            dpop_jkt: None,
        };
        let grants = vec![
            (
                stored(CODE_WEB),
                code(
                    WEB_ID,
                    WEB_REDIRECT,
                    &["openid", "profile", "offline_access"],
                    FAMILY_WEB,
                ),
            ),
            (
                stored(CODE_SPA),
                code(SPA_ID, SPA_REDIRECT, &["openid"], "fam-spa"),
            ),
        ];
        let refresh = (
            stored(REFRESH_WEB),
            RefreshGrant {
                family: FAMILY_WEB.into(),
                client_id: WEB_ID.into(),
                subject: "alice".into(),
                scopes: scopes(&["openid", "profile", "offline_access"]),
                claims: alice_claims(),
                expires_at: crate::now() + Duration::from_secs(30 * 86_400),
                dpop_jkt: None,
            },
        );
        let mut f = Fixture {
            server,
            users,
            access_token: String::new(),
            grants,
            refresh,
        };
        // One real code exchange, to hold a genuine access token.
        let (service, _) = f.service();
        let body = format!(
            "grant_type=authorization_code&code={CODE_WEB}&redirect_uri={WEB_REDIRECT}&code_verifier={VERIFIER}&client_id={WEB_ID}&client_secret={WEB_SECRET}"
        );
        let req = crate::request(http::Method::POST, "/token", body.as_bytes());
        let resp = crate::block_on(service.handle(req, crate::now(), &crate::rng()));
        let json: Value = serde_json::from_slice(resp.body()).expect("token response json");
        f.access_token = json["access_token"]
            .as_str()
            .expect("fixture code exchange issues an access token")
            .to_owned();
        f
    }

    /// A service over a fresh store holding the fixture's codes and refresh token.
    pub fn service(&self) -> (AuthServerService, Arc<MemoryStore>) {
        let store = Arc::new(MemoryStore::default());
        for (hash, grant) in &self.grants {
            crate::block_on(store.save_code(hash, grant.clone())).expect("save code");
        }
        crate::block_on(store.save_refresh(&self.refresh.0, self.refresh.1.clone()))
            .expect("save refresh");
        let service = AuthServerService::new(
            Arc::clone(&self.server),
            store.clone(),
            self.users.clone(),
            crate::sealer(),
        );
        (service, store)
    }

    /// Handles one fuzzed request to `path` (a POST built by [`crate::request`]).
    pub fn post(&self, path: &str, data: &[u8]) -> http::Response<Vec<u8>> {
        let (service, _store) = self.service();
        let req = crate::request(http::Method::POST, path, data);
        crate::block_on(service.handle(req, crate::now(), &crate::rng()))
    }
}

/// The properties every answer of the server must have, whatever the request.
pub fn check_response(resp: &http::Response<Vec<u8>>) {
    let status = resp.status().as_u16();
    assert!(
        status != 500,
        "server answered 500: {}",
        String::from_utf8_lossy(resp.body())
    );
}
