//! DPoP through `BearerLayer`, over real HTTP on 127.0.0.1: a bound token
//! with its proof reaches the handler and the extractors; the same token
//! as Bearer, a replayed proof or one for another route are refused with
//! the `DPoP` challenge — exactly as `sesame-poem`'s `BearerMiddleware` answers.
#[path = "../../sesame-reqwest/tests/support/dpop_api_scenario.rs"]
mod scenario;
use scenario::{auth, dpop_scenario};
use sesame_core::resource::Guard;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_requests_pass_the_bearer_layer_and_bound_bearer_tokens_do_not() {
    let auth = auth();
    let app: axum::Router = axum::Router::new()
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
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    dpop_scenario(&base).await;
}
