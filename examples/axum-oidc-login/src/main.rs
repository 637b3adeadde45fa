//! Login with any OpenID Provider, on Axum, with sessions.
//!
//! The env and HTTP contract (shared with the Poem and blocking examples,
//! and driven by the end-to-end suite) is in the `oidc-login-config` crate.

use std::sync::Arc;

use axum::extract::RawQuery;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{routing::get, Json, Router};
use oidc_login_config::{StoreChoice, PROVIDER, REDIS_PREFIX};
use sesame_axum::{to_axum, CurrentUser, SesameAuth, Session};
use sesame_core::client::Login;
use sesame_core::session::{MemorySessionStore, SessionStore};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = oidc_login_config::from_env()?;
    let store: Arc<dyn SessionStore> = match &settings.session_store {
        StoreChoice::Memory => Arc::new(MemorySessionStore::default()),
        StoreChoice::Redis(url) => {
            Arc::new(sesame_redis::RedisStore::from_env_value(url, REDIS_PREFIX).await?)
        }
    };
    let post_logout = settings.post_logout_redirect_uri.clone();
    let auth = SesameAuth::new(settings.service)?
        .with_sessions(settings.sessions, store)
        .configure_sessions(|m| m.post_logout_redirect_uri(post_logout))
        .on_login(|login: Login| async move { Json(login.identity).into_response() });
    let (a, b) = (auth.clone(), auth.clone());
    let app = Router::new()
        .route(
            "/login",
            get(move |RawQuery(q): RawQuery| async move { a.login(PROVIDER, q.as_deref()).await }),
        )
        .route(
            "/callback",
            get(move |RawQuery(q): RawQuery, h: HeaderMap| async move {
                b.callback(PROVIDER, q.as_deref(), None, &h).await
            }),
        )
        .route(
            "/me",
            get(|user: CurrentUser| async move { Json(user.identity) }),
        )
        .route("/userinfo", get(userinfo))
        .route("/", get(home))
        .merge(auth.logout_router("/"))
        .layer(auth.session_layer());
    let listener = tokio::net::TcpListener::bind(&settings.bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    // Header/idle and request timeouts and a connection cap (axum::serve has none).
    let limits = sesame_axum::ServerLimits::default();
    sesame_axum::serve_with_shutdown(listener, app, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// The provider's userinfo, with the session's access token (refreshed when due).
async fn userinfo(session: Session) -> Response {
    match session.slot().userinfo().await {
        Ok(info) => Json(info).into_response(),
        Err(e) => to_axum(e.to_response()),
    }
}

async fn home(session: Option<Session>) -> Json<serde_json::Value> {
    Json(serde_json::json!({"signed_in": session.is_some()}))
}
