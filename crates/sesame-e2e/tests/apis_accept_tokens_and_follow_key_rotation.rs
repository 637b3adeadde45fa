//! Bearer protection on Axum and Poem, one suite: tokens from a live Sesame
//! authorization server, the issuer configured by URL (discovery + JWKS
//! cache), scope and role guards, RFC 6750 answers, and a key rotation at the
//! issuer while requests flow.
use std::sync::Arc;

use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::resource::{BearerValidator, Guard};
use sesame_e2e::*;
use sesame_reqwest::{BearerAuth, Sesame};

mod support;
use support::*;

/// Typed claims: the app's own struct, deserialized from the token.
#[derive(serde::Deserialize)]
struct Typed {
    sub: String,
    role: String,
}

/// Claims the tokens don't have: refused with 403, never a 500.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Strict {
    tenant: String,
}

async fn apis(issuer: &Issuer) -> Vec<(&'static str, String)> {
    let sesame = Arc::new(Sesame::new().unwrap());
    let trusted = sesame
        .trusted_issuer(&issuer.base, &format!("{}/api", issuer.base))
        .await
        .unwrap();
    let auth = BearerAuth::new(BearerValidator::new().issuer(trusted), sesame).realm("demo-api");

    let axum_app: axum::Router = axum::Router::new()
        .route(
            "/me",
            axum::routing::get(
                |sesame_axum::Claims(c): sesame_axum::Claims| async move { c.subject },
            ),
        )
        .route(
            "/typed",
            axum::routing::get(
                |sesame_axum::Claims(t): sesame_axum::Claims<Typed>| async move {
                    format!("{}:{}", t.sub, t.role)
                },
            ),
        )
        .route(
            "/relay",
            axum::routing::get(|sesame_axum::Bearer(t): sesame_axum::Bearer| async move {
                // What a relay would send on, and that Debug hides it.
                format!("{} {:?}", t.expose().len(), t)
            }),
        )
        .route(
            "/strict",
            axum::routing::get(
                |sesame_axum::Claims(t): sesame_axum::Claims<Strict>| async move { t.tenant },
            ),
        )
        .route_layer(sesame_axum::BearerLayer::new(
            auth.clone(),
            Guard::new().scope("api:read"),
        ))
        .merge(
            axum::Router::new()
                .route("/admin", axum::routing::get(|| async { "admin" }))
                .route_layer(sesame_axum::BearerLayer::new(
                    auth.clone(),
                    Guard::new().claim_eq("role", "admin"),
                )),
        );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let axum_base = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, axum_app).await.unwrap() });

    use poem::EndpointExt;
    #[poem::handler]
    fn poem_me(sesame_poem::Claims(c): sesame_poem::Claims) -> String {
        c.subject
    }
    #[poem::handler]
    fn poem_typed(sesame_poem::Claims(t): sesame_poem::Claims<Typed>) -> String {
        format!("{}:{}", t.sub, t.role)
    }
    #[poem::handler]
    fn poem_relay(sesame_poem::Bearer(t): sesame_poem::Bearer) -> String {
        format!("{} {:?}", t.expose().len(), t)
    }
    #[poem::handler]
    fn poem_strict(sesame_poem::Claims(t): sesame_poem::Claims<Strict>) -> String {
        t.tenant
    }
    #[poem::handler]
    fn poem_admin() -> &'static str {
        "admin"
    }
    let poem_app = poem::Route::new()
        .at(
            "/me",
            poem_me.with(sesame_poem::BearerMiddleware::new(
                auth.clone(),
                Guard::new().scope("api:read"),
            )),
        )
        .at(
            "/typed",
            poem_typed.with(sesame_poem::BearerMiddleware::new(
                auth.clone(),
                Guard::new().scope("api:read"),
            )),
        )
        .at(
            "/relay",
            poem_relay.with(sesame_poem::BearerMiddleware::new(
                auth.clone(),
                Guard::new().scope("api:read"),
            )),
        )
        .at(
            "/strict",
            poem_strict.with(sesame_poem::BearerMiddleware::new(
                auth.clone(),
                Guard::new().scope("api:read"),
            )),
        )
        .at(
            "/admin",
            poem_admin.with(sesame_poem::BearerMiddleware::new(
                auth,
                Guard::new().claim_eq("role", "admin"),
            )),
        );
    let port = free_port();
    tokio::spawn(async move {
        poem::Server::new(poem::listener::TcpListener::bind(format!(
            "127.0.0.1:{port}"
        )))
        .run(poem_app)
        .await
        .unwrap()
    });
    wait_for_port(port).await;
    vec![
        ("axum", axum_base),
        ("poem", format!("http://127.0.0.1:{port}")),
    ]
}

async fn call(base: &str, path: &str, auth: Option<&str>) -> (u16, String, String) {
    let mut req = http_client().get(format!("{base}{path}"));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    let www = resp
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (resp.status().as_u16(), www, resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_adapters_validate_guard_and_survive_rotation() {
    let iss = issuer().await;
    let alice = iss.token("alice", "admin").await;
    let bob = iss.token("bob", "user").await;
    for (adapter, base) in apis(&iss).await {
        let bearer = |t: &str| format!("Bearer {t}");
        assert_eq!(
            call(&base, "/me", Some(&bearer(&alice))).await.0,
            200,
            "{adapter}"
        );
        assert_eq!(
            call(&base, "/me", Some(&bearer(&alice))).await.2,
            "alice",
            "{adapter}: claims reach the handler"
        );
        assert_eq!(
            call(&base, "/typed", Some(&bearer(&alice))).await.2,
            "alice:admin",
            "{adapter}: typed claims"
        );
        let relay = call(&base, "/relay", Some(&bearer(&alice))).await.2;
        assert_eq!(
            relay,
            format!("{} Secret([redacted])", alice.len()),
            "{adapter}: the validated token, redacted in Debug"
        );
        let (s, www, _) = call(&base, "/strict", Some(&bearer(&alice))).await;
        assert_eq!(
            (s, www.contains("realm=\"demo-api\"")),
            (403, true),
            "{adapter}: claims of another shape"
        );
        assert_eq!(
            call(&base, "/admin", Some(&bearer(&alice))).await.0,
            200,
            "{adapter}"
        );
        let (s, www, _) = call(&base, "/admin", Some(&bearer(&bob))).await;
        assert_eq!(
            (s, www.contains("insufficient_scope")),
            (403, true),
            "{adapter}"
        );
        let (s, www, _) = call(&base, "/me", None).await;
        assert_eq!(
            (s, www.as_str()),
            (401, "Bearer realm=\"demo-api\""),
            "{adapter}"
        );
        let (s, www, _) = call(&base, "/me", Some("Bearer not.a.token")).await;
        assert_eq!(
            (s, www.as_str()),
            (401, "Bearer realm=\"demo-api\", error=\"invalid_token\""),
            "{adapter}"
        );
        assert_eq!(
            call(&base, "/me", Some("Bearer a b")).await.0,
            400,
            "{adapter}"
        );
    }

    // Rotation at the issuer while requests flow: publish, then sign with the new key.
    iss.server
        .publish_key(SigningKey::generate(Algorithm::ES256, "key-2").unwrap().0);
    assert!(iss.server.activate_key("key-2"));
    let carol = iss.token("carol", "admin").await;
    for (adapter, base) in apis(&iss).await {
        assert_eq!(
            call(&base, "/me", Some(&format!("Bearer {alice}"))).await.0,
            200,
            "{adapter}: old key still published"
        );
        assert_eq!(
            call(&base, "/me", Some(&format!("Bearer {carol}"))).await.0,
            200,
            "{adapter}: new key"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_appears_after_the_first_fetch_is_picked_up() {
    let iss = issuer().await;
    let alice = iss.token("alice", "admin").await;
    let servers = apis(&iss).await;
    for (_, base) in &servers {
        assert_eq!(
            call(base, "/me", Some(&format!("Bearer {alice}"))).await.0,
            200
        );
    }
    // The APIs have cached key-1 only; rotate and present a key-2 token to the same APIs.
    iss.server
        .publish_key(SigningKey::generate(Algorithm::ES256, "key-2").unwrap().0);
    iss.server.activate_key("key-2");
    let dave = iss.token("dave", "user").await;
    for (adapter, base) in &servers {
        assert_eq!(
            call(base, "/me", Some(&format!("Bearer {dave}"))).await.0,
            200,
            "{adapter}: one JWKS refetch on the unknown kid"
        );
    }
}
