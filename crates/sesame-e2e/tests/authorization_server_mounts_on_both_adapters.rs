//! The same AuthServerService behind Axum and behind Poem: one suite.
use std::sync::Arc;

use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_e2e::*;
use sesame_server::{
    AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
    StaticUsers,
};

fn service(issuer: &str) -> Arc<AuthServerService> {
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
            Arc::new(MemoryStore::default()),
            Arc::new(users),
            Sealer::new(SealingKey::from_bytes([5; 32])),
        )
        .insecure_cookies(),
    )
}

async fn servers() -> Vec<(&'static str, String)> {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let axum_base = format!("http://{}", l.local_addr().unwrap());
    let app: axum::Router = sesame_axum::authorization_server(service(&axum_base));
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });

    let port = free_port();
    let poem_base = format!("http://127.0.0.1:{port}");
    let route = sesame_poem::authorization_server(service(&poem_base));
    tokio::spawn(async move {
        poem::Server::new(poem::listener::TcpListener::bind(format!(
            "127.0.0.1:{port}"
        )))
        .run(route)
        .await
        .unwrap()
    });
    wait_for_port(port).await;
    vec![("axum", axum_base), ("poem", poem_base)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_login_and_token_errors_behave_the_same() {
    let http = http_client();
    for (adapter, base) in servers().await {
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
