//! The session extractors' refusal, on Axum and Poem: 401 JSON by default
//! (APIs), a 303 to the login route with the requested path as `return_to`
//! when the sessions are configured for pages, `None` for `Option<Session>`,
//! and a forged cookie is no session.
use std::sync::Arc;

use sesame_core::client::{Client, ClientConfig};
use sesame_core::login::LoginService;
use sesame_core::provider::Provider;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::session::{MemorySessionStore, SessionConfig, Sessions};
use sesame_e2e::*;

fn parts(pages: bool) -> (LoginService, Sessions) {
    let client = Client::new(
        Provider::openid("op", "OP", "http://127.0.0.1:9").unwrap(),
        ClientConfig::new("c", "http://127.0.0.1:9/auth/op/callback".parse().unwrap()).secret("s"),
    )
    .unwrap();
    let service = LoginService::new(Sealer::new(SealingKey::from_bytes([1; 32]))).provider(client);
    let mut config = SessionConfig::default().insecure_cookies();
    if pages {
        config = config.redirect_to_login("/auth/op/login");
    }
    (
        service,
        Sessions::new(config, Sealer::new(SealingKey::from_bytes([2; 32]))),
    )
}

async fn axum_app(pages: bool) -> String {
    use axum::routing::get;
    let (service, sessions) = parts(pages);
    let auth = sesame_axum::SesameAuth::new(service)
        .unwrap()
        .with_sessions(sessions, Arc::new(MemorySessionStore::default()));
    let app: axum::Router = axum::Router::new()
        .route(
            "/me",
            get(|u: sesame_axum::CurrentUser| async move { u.identity.id }),
        )
        .route(
            "/maybe",
            get(|s: Option<sesame_axum::Session>| async move { format!("{}", s.is_some()) }),
        )
        .layer(auth.session_layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[poem::handler]
fn poem_me(u: sesame_poem::CurrentUser) -> String {
    u.identity.id
}

#[poem::handler]
fn poem_maybe(s: Option<sesame_poem::Session>) -> String {
    format!("{}", s.is_some())
}

async fn poem_app(pages: bool) -> String {
    use poem::EndpointExt;
    let (service, sessions) = parts(pages);
    let auth = sesame_poem::SesameAuth::new(service)
        .unwrap()
        .with_sessions(sessions, Arc::new(MemorySessionStore::default()));
    let app = poem::Route::new()
        .at("/me", poem::get(poem_me))
        .at("/maybe", poem::get(poem_maybe))
        .with(auth.session_middleware());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(sesame_poem::serve(listener, app, Default::default()));
    base
}

async fn check(base: &str, pages: bool, adapter: &str) {
    let http = http_client();
    let resp = http.get(format!("{base}/me?tab=2")).send().await.unwrap();
    if pages {
        assert_eq!(resp.status().as_u16(), 303, "{adapter}");
        assert_eq!(
            resp.headers()["location"],
            "/auth/op/login?return_to=%2Fme%3Ftab%3D2",
            "{adapter}"
        );
    } else {
        assert_eq!(resp.status().as_u16(), 401, "{adapter}");
        let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert_eq!(body["error"], "unauthenticated", "{adapter}");
    }
    // A forged or foreign cookie is no session, and is cleared.
    let resp = http
        .get(format!("{base}/me"))
        .header("cookie", "sesame-session=AAAAforged")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        if pages { 303 } else { 401 },
        "{adapter}"
    );
    let cleared = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("sesame-session=;"));
    assert!(cleared, "{adapter}: the dead cookie is cleared");
    let maybe = http.get(format!("{base}/maybe")).send().await.unwrap();
    assert_eq!(maybe.text().await.unwrap(), "false", "{adapter}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apis_get_401_json_and_pages_the_login_route() {
    for pages in [false, true] {
        check(&axum_app(pages).await, pages, "axum").await;
        check(&poem_app(pages).await, pages, "poem").await;
    }
}
