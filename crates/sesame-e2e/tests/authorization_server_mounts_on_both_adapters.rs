//! The same AuthServerService behind Axum and behind Poem (each served by
//! its adapter's `serve`, which hands the peer's address on), each on
//! MemoryStore and on a real Redis (`sesame-redis`): one suite.
use std::sync::Arc;

use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_e2e::*;
use sesame_redis::testing::RedisServer;
use sesame_server::{
    AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
    StaticUsers, Store,
};

fn service(issuer: &str, store: Arc<dyn Store>) -> Arc<AuthServerService> {
    let config = ServerConfig::new(issuer).client(RegisteredClient::new(
        "web",
        Some("web-secret"),
        &["http://127.0.0.1:9/cb"],
    ));
    let users = StaticUsers::default().user("alice", "alice-pw", serde_json::Map::new());
    Arc::new(
        AuthServerService::new(
            Arc::new(AuthorizationServer::new(
                config,
                SigningKey::generate(Algorithm::ES256, "k").unwrap().0,
            )),
            store,
            Arc::new(users),
            Sealer::new(SealingKey::from_bytes([5; 32])),
        )
        .insecure_cookies(),
    )
}

async fn servers(redis: &RedisServer) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (store_name, prefix) in [("memory", None), ("redis", Some("both-adapters"))] {
        let (for_axum, for_poem): (Arc<dyn Store>, Arc<dyn Store>) = match prefix {
            None => (
                Arc::new(MemoryStore::default()),
                Arc::new(MemoryStore::default()),
            ),
            Some(p) => {
                let url = redis.url();
                let (axum_prefix, poem_prefix) = (format!("{p}-axum"), format!("{p}-poem"));
                let connect = sesame_redis::RedisStore::connect;
                (
                    Arc::new(connect(&url, &axum_prefix).await.expect("redis store")),
                    Arc::new(connect(&url, &poem_prefix).await.expect("redis store")),
                )
            }
        };
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let axum_base = format!("http://{}", l.local_addr().unwrap());
        let app: axum::Router = sesame_axum::authorization_server(service(&axum_base, for_axum));
        tokio::spawn(sesame_axum::serve(l, app, Default::default()));

        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let poem_base = format!("http://{}", l.local_addr().unwrap());
        let route = sesame_poem::authorization_server(service(&poem_base, for_poem));
        tokio::spawn(sesame_poem::serve(l, route, Default::default()));
        let (axum_name, poem_name) = match store_name {
            "memory" => ("axum", "poem"),
            _ => ("axum on redis", "poem on redis"),
        };
        out.push((axum_name, axum_base));
        out.push((poem_name, poem_base));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_login_and_token_errors_behave_the_same() {
    let http = http_client();
    let redis = RedisServer::start().expect("redis-server");
    for (adapter, base) in servers(&redis).await {
        let meta: serde_json::Value =
            get_json(&http, &format!("{base}/.well-known/openid-configuration")).await;
        assert_eq!(meta["issuer"], base.as_str(), "{adapter}");
        let jwks = http.get(format!("{base}/jwks.json")).send().await.unwrap();
        assert_eq!(jwks.status(), 200, "{adapter}");

        let authorize = format!(
            "{base}/authorize?response_type=code&client_id=web&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        );
        let (status, location, _) = fill_login_form(&http, &authorize, "alice", "alice-pw").await;
        assert_eq!(status, 303, "{adapter}");
        assert!(
            location.unwrap().starts_with("http://127.0.0.1:9/cb?code="),
            "{adapter}"
        );

        let resp = http
            .post(format!("{base}/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=authorization_code&code=nope&client_id=web&client_secret=wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{adapter}");
        assert_eq!(resp.headers()["cache-control"], "no-store", "{adapter}");
        let big = http
            .post(format!("{base}/token"))
            .body(vec![b'a'; 100_000])
            .send()
            .await
            .unwrap();
        assert!(
            (400..500).contains(&big.status().as_u16()),
            "{adapter}: {}",
            big.status()
        );
    }
}

/// Password spraying: one address trying one wrong password for many
/// usernames stays under each username's limit, so the per-address limit
/// (30 an hour by default) must catch it — which needs the adapter to hand
/// the peer's address to the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_spraying_from_one_address_is_throttled() {
    let http = http_client();
    let redis = RedisServer::start().expect("redis-server");
    for (adapter, base) in servers(&redis).await {
        let authorize = format!(
            "{base}/authorize?response_type=code&client_id=web&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        );
        let mut statuses = Vec::new();
        for i in 0..32 {
            let (status, _, _) =
                fill_login_form(&http, &authorize, &format!("user-{i}"), "guess").await;
            statuses.push(status);
        }
        assert!(
            statuses[..30].iter().all(|s| *s == 401),
            "{adapter}: {statuses:?}"
        );
        assert_eq!(
            &statuses[30..],
            &[429, 429],
            "{adapter}: the address is throttled"
        );
    }
}
