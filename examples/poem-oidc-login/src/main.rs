//! Login with any OpenID Provider, on Poem, with sessions.
//!
//! The env and HTTP contract (shared with the Axum and blocking examples,
//! and driven by the end-to-end suite) is in the `oidc-login-config` crate.

use std::sync::Arc;

use oidc_login_config::{StoreChoice, PROVIDER, REDIS_PREFIX};
use poem::endpoint::make;
use poem::web::Json;
use poem::{get, handler, EndpointExt, IntoResponse, Request, Response};
use sesame_core::client::Login;
use sesame_core::session::{MemorySessionStore, SessionStore};
use sesame_poem::{to_poem, CurrentUser, SesameAuth, Session};

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
    // The logout routes (/logout, /logout/callback, /backchannel-logout), then ours.
    let app = auth
        .logout_route("/")
        .at(
            "/login",
            make(move |req: Request| {
                let a = a.clone();
                async move { a.login(PROVIDER, req.uri().query()).await }
            }),
        )
        .at(
            "/callback",
            make(move |req: Request| {
                let b = b.clone();
                async move {
                    b.callback(PROVIDER, req.uri().query(), None, req.headers())
                        .await
                }
            }),
        )
        .at("/me", get(me))
        .at("/userinfo", get(userinfo))
        .at("/", get(home))
        .with(auth.session_middleware());
    let listener = tokio::net::TcpListener::bind(&settings.bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    // Header/idle and request timeouts and a connection cap (Poem's Server
    // has only an idle timeout, which a trickling client defeats).
    sesame_poem::serve_with_shutdown(listener, app, sesame_poem::ServerLimits::default(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

#[handler]
fn me(user: CurrentUser) -> Json<sesame_core::Identity> {
    Json(user.identity)
}

/// The provider's userinfo, with the session's access token (refreshed when due).
#[handler]
async fn userinfo(session: Session) -> Response {
    match session.slot().userinfo().await {
        Ok(info) => Json(info).into_response(),
        Err(e) => to_poem(e.to_response()),
    }
}

#[handler]
fn home(session: Option<Session>) -> Json<serde_json::Value> {
    Json(serde_json::json!({"signed_in": session.is_some()}))
}
