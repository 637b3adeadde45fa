//! Login with any OpenID Provider, on Axum.
//!
//! The env and HTTP contract (shared with the Poem and blocking examples,
//! and driven by the end-to-end suite) is in the `oidc-login-config` crate.

use axum::extract::RawQuery;
use axum::http::HeaderMap;
use axum::{response::IntoResponse, routing::get, Json, Router};
use oidc_login_config::PROVIDER;
use sesame_axum::SesameAuth;
use sesame_core::client::Login;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = oidc_login_config::from_env()?;
    let auth = SesameAuth::new(settings.service)?
        .on_login(|login: Login| async move { Json(login.identity).into_response() });
    let (a, b) = (auth.clone(), auth);
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
        );
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
