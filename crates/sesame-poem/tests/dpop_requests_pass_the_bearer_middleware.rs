//! DPoP through `BearerMiddleware`, over real HTTP on 127.0.0.1: a bound
//! token with its proof reaches the handler and the extractors; the same
//! token as Bearer, a replayed proof or one for another route are refused
//! with the `DPoP` challenge — exactly as `sesame-axum`'s `BearerLayer` answers.
#[path = "../../sesame-reqwest/tests/support/dpop_api_scenario.rs"]
mod scenario;
use scenario::{auth, dpop_scenario};
use sesame_core::resource::Guard;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_requests_pass_the_bearer_middleware_and_bound_bearer_tokens_do_not() {
    use poem::EndpointExt;
    #[poem::handler]
    fn me(sesame_poem::Claims(c): sesame_poem::Claims) -> String {
        c.subject
    }
    #[poem::handler]
    fn relay(sesame_poem::Bearer(t): sesame_poem::Bearer) -> String {
        t.expose().len().to_string()
    }
    let auth = auth();
    let app = poem::Route::new()
        .at(
            "/me",
            me.with(sesame_poem::BearerMiddleware::new(
                auth.clone(),
                Guard::new().scope("api:read"),
            )),
        )
        .at(
            "/relay",
            relay.with(sesame_poem::BearerMiddleware::new(auth, Guard::new())),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(sesame_poem::serve(
        listener,
        app,
        sesame_poem::ServerLimits::default(),
    ));
    dpop_scenario(&base).await;
}
