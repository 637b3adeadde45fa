//! Account linking through the adapters' `/{provider}/link` route, against
//! the certified OP, on Axum and Poem: a signed-in user who asks to link a
//! second identity gets one app user with both; a plain login while signed
//! in is a new, separate session; a link request without a session is 401.
use std::sync::Arc;

use serde_json::{json, Value};
use sesame_core::client::{Client, ClientConfig};
use sesame_core::login::LoginService;
use sesame_core::provider::Provider;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::session::{MemorySessionStore, SessionConfig, Sessions};
use sesame_e2e::*;

fn service(issuer: &str, base: &str) -> (LoginService, Sessions) {
    let client = Client::new(
        Provider::openid("op", "OP", issuer).unwrap(),
        ClientConfig::new(
            "conf-client",
            format!("{base}/auth/op/callback").parse().unwrap(),
        )
        .secret("conf-secret"),
    )
    .unwrap();
    let service = LoginService::new(Sealer::new(SealingKey::from_bytes([1; 32])))
        .insecure_cookies()
        .provider(client);
    let sessions = Sessions::new(
        SessionConfig::default().insecure_cookies(),
        Sealer::new(SealingKey::from_bytes([2; 32])),
    );
    (service, sessions)
}

fn account(
    identity: &sesame_core::Identity,
    user: &Option<String>,
    linked: &[sesame_core::session::LinkedIdentity],
) -> Value {
    json!({
        "id": identity.id,
        "user": user,
        "linked": linked.iter().map(|l| format!("{}:{}", l.provider, l.subject)).collect::<Vec<_>>(),
    })
}

async fn serve_axum(issuer: &str, port: u16) {
    use axum::{routing::get, Json, Router};
    let base = format!("http://127.0.0.1:{port}");
    let (service, sessions) = service(issuer, &base);
    let auth = sesame_axum::SesameAuth::new(service)
        .unwrap()
        .with_sessions(sessions, Arc::new(MemorySessionStore::default()));
    let app: Router = Router::new()
        .route(
            "/account",
            get(|u: sesame_axum::CurrentUser| async move {
                Json(account(&u.identity, &u.user, &u.linked))
            }),
        )
        .nest("/auth", auth.router())
        .layer(auth.session_layer());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
}

#[poem::handler]
fn poem_account(u: sesame_poem::CurrentUser) -> poem::web::Json<Value> {
    poem::web::Json(account(&u.identity, &u.user, &u.linked))
}

async fn serve_poem(issuer: &str, port: u16) {
    use poem::EndpointExt;
    let base = format!("http://127.0.0.1:{port}");
    let (service, sessions) = service(issuer, &base);
    let auth = sesame_poem::SesameAuth::new(service)
        .unwrap()
        .with_sessions(sessions, Arc::new(MemorySessionStore::default()));
    let app = poem::Route::new()
        .at("/account", poem::get(poem_account))
        .nest("/auth", auth.route())
        .with(auth.session_middleware());
    let listener = poem::listener::TcpListener::bind(format!("127.0.0.1:{port}"));
    tokio::spawn(async move { poem::Server::new(listener).run(app).await });
}

/// Follows a login (or link) start at `start` through the OP as `user`.
async fn sign_in(b: &mut Browser, base: &str, start: &str, user: &str) -> Seen {
    let (status, location, seen) = b.get(&format!("{base}{start}")).await;
    assert_eq!(status.as_u16(), 303, "{start}: {seen:?}");
    let mut next = location.unwrap();
    next.push_str(&format!("&login_hint={user}"));
    for _ in 0..20 {
        if next.starts_with(base) {
            return b.get(&next).await.2;
        }
        let (_, location, seen) = b.get(&next).await;
        next = location.unwrap_or_else(|| panic!("OP stopped redirecting: {seen:?}"));
    }
    panic!("too many redirects")
}

async fn scenario(adapter: &str) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let op = Op::start(&[format!("{base}/auth/op/callback")]).await;
    match adapter {
        "axum" => serve_axum(&op.issuer, port).await,
        _ => serve_poem(&op.issuer, port).await,
    }
    wait_for_port(port).await;

    // Linking needs a session.
    let mut b = Browser::new(http_client());
    let (status, _, seen) = b.get(&format!("{base}/auth/op/link")).await;
    assert_eq!(status.as_u16(), 401, "{adapter}: {seen:?}");

    assert_eq!(
        sign_in(&mut b, &base, "/auth/op/login", "ada").await.status,
        200
    );
    let first_cookie = b.cookie_header(&base);
    let me = b.get(&format!("{base}/account")).await.2.json;
    assert_eq!(
        me,
        json!({"id": "ada", "user": null, "linked": []}),
        "{adapter}"
    );

    // Signed in as ada, ask to link: the OP login as grace joins ada's user.
    assert_eq!(
        sign_in(&mut b, &base, "/auth/op/link", "grace")
            .await
            .status,
        200
    );
    let me = b.get(&format!("{base}/account")).await.2.json;
    assert_eq!(
        me,
        json!({"id": "grace", "user": "op:ada", "linked": ["op:ada"]}),
        "{adapter}"
    );
    // The session before the link ended (a new id, no fixation).
    let old = http_client()
        .get(format!("{base}/account"))
        .header("cookie", first_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status().as_u16(), 401, "{adapter}");

    // A plain login while signed in is a separate session, never a link.
    assert_eq!(
        sign_in(&mut b, &base, "/auth/op/login", "heidi")
            .await
            .status,
        200
    );
    let me = b.get(&format!("{base}/account")).await.2.json;
    assert_eq!(
        me,
        json!({"id": "heidi", "user": null, "linked": []}),
        "{adapter}"
    );
    op.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_axum() {
    scenario("axum").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_poem() {
    scenario("poem").await;
}
