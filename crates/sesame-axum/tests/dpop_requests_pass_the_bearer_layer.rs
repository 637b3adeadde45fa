//! DPoP through `BearerLayer`, over real HTTP on 127.0.0.1: a bound token
//! with its proof reaches the handler and the extractors; the same token
//! as Bearer, a replayed proof or one for another route are refused with
//! the `DPoP` challenge — exactly as `sesame-poem`'s `BearerMiddleware` answers.
#[path = "../../sesame-reqwest/tests/support/dpop_api_scenario.rs"]
mod scenario;
use scenario::{auth, dpop_scenario};
use sesame_core::resource::Guard;

fn api() -> axum::Router {
    let auth = auth();
    axum::Router::new()
        .route(
            "/me",
            axum::routing::get(
                |sesame_axum::Claims(c): sesame_axum::Claims| async move { c.subject },
            ),
        )
        .route_layer(sesame_axum::BearerLayer::new(
            auth.clone(),
            Guard::new().scope("api:read"),
        ))
        .merge(
            axum::Router::new()
                .route(
                    "/relay",
                    axum::routing::get(|sesame_axum::Bearer(t): sesame_axum::Bearer| async move {
                        t.expose().len().to_string()
                    }),
                )
                .route_layer(sesame_axum::BearerLayer::new(auth, Guard::new())),
        )
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_requests_pass_the_bearer_layer_and_bound_bearer_tokens_do_not() {
    dpop_scenario(&serve(api()).await).await;
}

/// In a nested router the layer sees the path without its prefix; the
/// proof names the whole URI the client sent, and that is what is checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_proofs_name_the_whole_path_in_a_nested_router() {
    let base = serve(axum::Router::new().nest("/v1", api())).await;
    dpop_scenario(&format!("{base}/v1")).await;
}
