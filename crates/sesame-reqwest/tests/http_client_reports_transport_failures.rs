//! Timeouts, refused connections, oversized bodies and redirects, over real loopback HTTP.
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use sesame_reqwest::{HttpClient, HttpError};

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn get_req(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).unwrap()
}

#[tokio::test]
async fn slow_server_is_a_timeout() {
    let base = serve(Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    ))
    .await;
    let client =
        HttpClient::with_timeouts(Duration::from_secs(1), Duration::from_millis(300)).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(
        client
            .execute(get_req(&format!("{base}/slow")))
            .await
            .unwrap_err(),
        HttpError::Timeout
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn closed_port_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = HttpClient::new().unwrap();
    assert_eq!(
        client
            .execute(get_req(&format!("http://127.0.0.1:{port}/")))
            .await
            .unwrap_err(),
        HttpError::Connect
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let base =
        serve(Router::new().route("/big", get(|| async { "x".repeat(2 * 1024 * 1024) }))).await;
    let client = HttpClient::new().unwrap();
    assert_eq!(
        client
            .execute(get_req(&format!("{base}/big")))
            .await
            .unwrap_err(),
        HttpError::TooLarge
    );
    let small = HttpClient::new().unwrap().max_body(10);
    let base2 = serve(Router::new().route("/eleven", get(|| async { "01234567890" }))).await;
    assert_eq!(
        small
            .execute(get_req(&format!("{base2}/eleven")))
            .await
            .unwrap_err(),
        HttpError::TooLarge
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let base = serve(Router::new().route(
        "/token",
        get(|| async {
            (
                http::StatusCode::FOUND,
                [("location", "http://127.0.0.1:1/elsewhere")],
            )
        }),
    ))
    .await;
    let resp = HttpClient::new()
        .unwrap()
        .execute(get_req(&format!("{base}/token")))
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
}

#[tokio::test]
async fn request_headers_and_body_are_sent_as_built() {
    let base = serve(Router::new().route(
        "/echo",
        axum::routing::post(|headers: http::HeaderMap, body: String| async move {
            format!(
                "{}|{}|{}",
                headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
                headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
                body
            )
        }),
    ))
    .await;
    let req = http::Request::post(format!("{base}/echo"))
        .header("authorization", "Basic abc")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"a=1&b=2".to_vec())
        .unwrap();
    let resp = HttpClient::new().unwrap().execute(req).await.unwrap();
    assert_eq!(
        resp.body(),
        b"Basic abc|application/x-www-form-urlencoded|a=1&b=2"
    );
}

#[tokio::test]
async fn user_info_in_a_url_becomes_basic_credentials_and_core_requests_keep_their_url() {
    let base = serve(Router::new().route(
        "/who",
        get(|headers: http::HeaderMap| async move {
            headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_owned()
        }),
    ))
    .await;
    let client = HttpClient::new().unwrap();
    let with_user = base.replace("http://", "http://ada:s3cret@");
    let answer = client
        .execute(get_req(&format!("{with_user}/who")))
        .await
        .unwrap();
    // base64("ada:s3cret")
    assert_eq!(answer.body(), b"Basic YWRhOnMzY3JldA==");

    // A request carrying the URL it was built from, whose URI was then
    // changed: the URI wins.
    let built: url::Url = "http://127.0.0.1:1/elsewhere".parse().unwrap();
    let mut req = get_req(&format!("{base}/who"));
    req.extensions_mut()
        .insert(sesame_core::step::RequestUrl::new(built));
    let answer = client.execute(req).await.unwrap();
    assert_eq!(answer.body(), b"none");
}
