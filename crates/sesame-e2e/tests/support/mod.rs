//! An in-process Sesame authorization server that mints tokens for API tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::json;
use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
    StaticUsers,
};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub struct Issuer {
    pub base: String,
    pub server: Arc<AuthorizationServer>,
    pub store: Arc<MemoryStore>,
}

pub async fn issuer() -> Issuer {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let config = ServerConfig::new(&base)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "web",
            Some("s"),
            &["http://127.0.0.1:9/cb"],
        ));
    let server = Arc::new(AuthorizationServer::new(
        config,
        SigningKey::generate(Algorithm::ES256, "key-1").unwrap().0,
    ));
    let store = Arc::new(MemoryStore::default());
    let service = AuthServerService::new(
        Arc::clone(&server),
        store.clone(),
        Arc::new(StaticUsers::default()),
        Sealer::new(SealingKey::from_bytes([1; 32])),
    );
    let app: axum::Router = sesame_axum::authorization_server(Arc::new(service));
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    Issuer {
        base,
        server,
        store,
    }
}

impl Issuer {
    /// A token for `user` with `role`, through /authorize and /token.
    pub async fn token(&self, user: &str, role: &str) -> String {
        let q = "response_type=code&client_id=web&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=api%3Aread&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
        let req = self.server.authorize(q).unwrap();
        let rng = ring::rand::SystemRandom::new();
        let claims = json!({"role": role}).as_object().cloned().unwrap();
        let url = self
            .server
            .approve(
                &req,
                user,
                claims,
                self.store.as_ref(),
                SystemTime::now(),
                &rng,
            )
            .await
            .unwrap();
        let code = url
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned();
        let body = format!("grant_type=authorization_code&code={code}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_verifier={VERIFIER}&client_id=web&client_secret=s");
        let token_req = http::Request::post("/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.into_bytes())
            .unwrap();
        let resp = self
            .server
            .token(&token_req, self.store.as_ref(), SystemTime::now(), &rng)
            .await;
        serde_json::from_slice::<serde_json::Value>(resp.body()).unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}
