//! Login with any OpenID Provider, on Poem.
//!
//! The env and HTTP contract (shared with the Axum and blocking examples,
//! and driven by the end-to-end suite) is in the `oidc-login-config` crate.

use oidc_login_config::PROVIDER;
use poem::endpoint::make;
use poem::listener::TcpListener;
use poem::web::Json;
use poem::{IntoResponse, Request, Route, Server};
use sesame_core::client::Login;
use sesame_poem::SesameAuth;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = oidc_login_config::from_env()?;
    let auth = SesameAuth::new(settings.service)?
        .on_login(|login: Login| async move { Json(login.identity).into_response() });
    let (a, b) = (auth.clone(), auth);
    let app = Route::new()
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
        );
    println!("listening on http://{}", settings.bind);
    // Idle connections are closed after 10 s (Poem's idle timeout).
    Server::new(TcpListener::bind(settings.bind))
        .idle_timeout(std::time::Duration::from_secs(10))
        .run_with_graceful_shutdown(
            app,
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
            None,
        )
        .await?;
    Ok(())
}
