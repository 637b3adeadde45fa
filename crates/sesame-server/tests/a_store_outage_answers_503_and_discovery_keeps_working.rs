//! When the store is down, every endpoint that needs state answers 503
//! `temporarily_unavailable` — never 500, never "valid", never a stale
//! "inactive" — while discovery and the JWKS keep answering.
mod common;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::server::*;
use common::*;
use serde_json::json;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, ClientAddr, CodeGrant, CodeTake, Failures, MemoryStore,
    RefreshGrant, RefreshTake, RegisteredClient, ServerConfig, StaticUsers, Store, StoreError,
};

/// A MemoryStore that can be switched off, like a Redis going away.
#[derive(Default)]
struct Switchable {
    inner: MemoryStore,
    down: AtomicBool,
}

impl Switchable {
    fn up(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError)
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl Store for Switchable {
    async fn save_code(&self, h: &str, g: CodeGrant) -> Result<(), StoreError> {
        self.up()?;
        self.inner.save_code(h, g).await
    }
    async fn take_code(&self, h: &str, now: SystemTime) -> Result<CodeTake, StoreError> {
        self.up()?;
        self.inner.take_code(h, now).await
    }
    async fn save_refresh(&self, h: &str, g: RefreshGrant) -> Result<(), StoreError> {
        self.up()?;
        self.inner.save_refresh(h, g).await
    }
    async fn take_refresh(&self, h: &str, now: SystemTime) -> Result<RefreshTake, StoreError> {
        self.up()?;
        self.inner.take_refresh(h, now).await
    }
    async fn revoke_family(&self, f: &str, until: SystemTime) -> Result<(), StoreError> {
        self.up()?;
        self.inner.revoke_family(f, until).await
    }
    async fn is_family_revoked(&self, f: &str) -> Result<bool, StoreError> {
        self.up()?;
        self.inner.is_family_revoked(f).await
    }
    async fn find_refresh(
        &self,
        h: &str,
        now: SystemTime,
    ) -> Result<Option<RefreshGrant>, StoreError> {
        self.up()?;
        self.inner.find_refresh(h, now).await
    }
    async fn record_failure(
        &self,
        k: &str,
        window: Duration,
        now: SystemTime,
    ) -> Result<Failures, StoreError> {
        self.up()?;
        self.inner.record_failure(k, window, now).await
    }
    async fn failures(&self, k: &str, now: SystemTime) -> Result<Failures, StoreError> {
        self.up()?;
        self.inner.failures(k, now).await
    }
    async fn forgive_failure(&self, k: &str, now: SystemTime) -> Result<(), StoreError> {
        self.up()?;
        self.inner.forgive_failure(k, now).await
    }
    async fn clear_failures(&self, k: &str) -> Result<(), StoreError> {
        self.up()?;
        self.inner.clear_failures(k).await
    }
    async fn put_new(
        &self,
        k: &str,
        until: SystemTime,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        self.up()?;
        self.inner.put_new(k, until, now).await
    }
}

fn unavailable(resp: &http::Response<Vec<u8>>, what: &str) {
    assert_eq!(
        resp.status(),
        503,
        "{what}: {}",
        String::from_utf8_lossy(resp.body())
    );
    assert_eq!(body(resp)["error"], "temporarily_unavailable", "{what}");
}

#[test]
fn every_stateful_endpoint_answers_503_and_recovers() {
    let store = Arc::new(Switchable::default());
    let config = ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "web",
            Some("web-secret"),
            &["https://app.example/cb"],
        ));
    let users = StaticUsers::default().user("alice", "pw", json!({}).as_object().cloned().unwrap());
    let s = AuthServerService::new(
        Arc::new(AuthorizationServer::new(config, es256_key("k"))),
        Arc::clone(&store) as Arc<dyn Store>,
        Arc::new(users),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    );
    // Tokens issued while the store is up.
    let approved = login(&s, "web", "https://app.example/cb", "pw");
    assert_eq!(approved.status(), 303);
    let location = approved.headers()["location"].to_str().unwrap().to_owned();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let token_post = |pairs: &[(&str, &str)]| {
        let req = token_request(form(pairs), Some(("web", "web-secret")));
        let req = http::Request::from_parts(
            {
                let (mut parts, _) = http::Request::new(()).into_parts();
                parts.method = http::Method::POST;
                parts.uri = "/token".parse().unwrap();
                parts.headers = req.headers().clone();
                parts
            },
            req.body().clone(),
        );
        block_on(s.handle(req, now(), &rng()))
    };
    let issued = token_post(&code_form(&code, "https://app.example/cb", VERIFIER));
    assert_eq!(issued.status(), 200);
    let tokens = body(&issued);
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    store.down.store(true, Ordering::SeqCst);
    unavailable(
        &login(&s, "web", "https://app.example/cb", "pw"),
        "login (issuing a code)",
    );
    unavailable(
        &token_post(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]),
        "refresh",
    );
    unavailable(
        &token_post(&code_form("any-code", "https://app.example/cb", VERIFIER)),
        "code redemption",
    );
    let userinfo = http::Request::get("/userinfo")
        .header("authorization", format!("Bearer {access}"))
        .body(Vec::new())
        .unwrap();
    unavailable(&block_on(s.handle(userinfo, now(), &rng())), "userinfo");
    let managed = |path: &str| {
        let req = http::Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header(
                "authorization",
                token_request(Vec::new(), Some(("web", "web-secret"))).headers()["authorization"]
                    .clone(),
            )
            .body(form(&[("token", &refresh)]))
            .unwrap();
        block_on(s.handle(req, now(), &rng()))
    };
    unavailable(&managed("/introspect"), "introspection");
    unavailable(&managed("/revoke"), "revocation");
    for path in ["/.well-known/openid-configuration", "/jwks.json"] {
        assert_eq!(get(&s, path).status(), 200, "{path} needs no store");
    }

    // Back up: the refresh token issued before the outage still works.
    store.down.store(false, Ordering::SeqCst);
    let refreshed = token_post(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]);
    assert_eq!(
        refreshed.status(),
        200,
        "{}",
        String::from_utf8_lossy(refreshed.body())
    );
}

#[test]
fn throttled_sign_ins_and_client_authentications_answer_503_too() {
    let store = Arc::new(Switchable::default());
    let config = ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "web",
            Some("web-secret"),
            &["https://app.example/cb"],
        ));
    let users = StaticUsers::default().user("alice", "pw", json!({}).as_object().cloned().unwrap());
    let s = AuthServerService::new(
        Arc::new(AuthorizationServer::new(config, es256_key("k"))),
        Arc::clone(&store) as Arc<dyn Store>,
        Arc::new(users),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    );
    let from = ClientAddr("203.0.113.1".parse().unwrap());
    let form_page = get(
        &s,
        &format!(
            "/authorize?{}",
            authorize_query("web", "https://app.example/cb", "")
        ),
    );
    let html = page(&form_page);
    let sign_in = |password: &str| {
        let mut req = http::Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", csrf_cookie(&form_page))
            .body(form(&[
                ("authorization", &field(&html, "authorization")),
                ("csrf", &field(&html, "csrf")),
                ("username", "alice"),
                ("password", password),
            ]))
            .unwrap();
        req.extensions_mut().insert(from);
        block_on(s.handle(req, now(), &rng()))
    };
    let client = |secret: &str| {
        let mut req = token_request(
            form(&[("grant_type", "client_credentials")]),
            Some(("web", secret)),
        );
        *req.uri_mut() = "/token".parse().unwrap();
        req.extensions_mut().insert(from);
        block_on(s.handle(req, now(), &rng()))
    };
    store.down.store(true, Ordering::SeqCst);
    unavailable(&sign_in("pw"), "sign-in (the counters)");
    unavailable(
        &client("web-secret"),
        "client authentication (the counters)",
    );
    store.down.store(false, Ordering::SeqCst);
    // Nothing was counted or used up: the same form still signs in.
    assert_eq!(sign_in("pw").status(), 303);
    assert_eq!(client("web-secret").status(), 200);
}
