//! Both adapters' routers, one suite: a registry of providers under their
//! own path segments, 303 + cookie on login, JSON errors, no open redirect,
//! 4xx (never 5xx) for garbage.
use sesame_core::client::{Client, ClientConfig};
use sesame_core::login::LoginService;
use sesame_core::provider::Provider;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_e2e::wait_for_port;

fn static_provider(id: &str, host: &str) -> Client {
    let p = Provider::oauth2(
        id,
        id,
        &format!("https://{host}/authorize"),
        &format!("https://{host}/token"),
    )
    .unwrap();
    let cfg = ClientConfig::new(
        format!("{id}-client"),
        format!("https://app.example/auth/{id}/callback")
            .parse()
            .unwrap(),
    )
    .secret("s");
    Client::new(p, cfg).unwrap()
}

fn service() -> LoginService {
    LoginService::new(Sealer::new(SealingKey::from_bytes([1; 32])))
        .provider(static_provider("alpha", "alpha.example"))
        .provider(static_provider("beta", "beta.example"))
}

/// The adapters under test, each mounted under `/auth` on a loopback port.
async fn servers() -> Vec<(&'static str, String)> {
    let axum_app: axum::Router = axum::Router::new().nest(
        "/auth",
        sesame_axum::SesameAuth::new(service()).unwrap().router(),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let axum_addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, axum_app).await.unwrap() });

    let poem_app = poem::Route::new().nest(
        "/auth",
        sesame_poem::SesameAuth::new(service()).unwrap().route(),
    );
    let port = sesame_e2e::free_port();
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
        ("axum", format!("http://{axum_addr}")),
        ("poem", format!("http://127.0.0.1:{port}")),
    ]
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn each_provider_redirects_to_its_own_endpoint() {
    for (_adapter, base) in servers().await {
        for (id, host) in [("alpha", "alpha.example"), ("beta", "beta.example")] {
            let resp = client()
                .get(format!("{base}/auth/{id}/login?return_to=%2Fhome"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 303);
            let loc = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
            assert_eq!(loc.host_str(), Some(host));
            assert!(loc
                .query_pairs()
                .any(|(k, v)| k == "client_id" && v == format!("{id}-client")));
            let cookie = resp.headers()["set-cookie"].to_str().unwrap();
            assert!(cookie.contains(&format!("Path=/auth/{id}/callback")));
            assert_eq!(resp.headers()["cache-control"], "no-store");
        }
    }
}

#[tokio::test]
async fn unknown_provider_and_open_redirects_are_refused_as_json() {
    for (_adapter, base) in servers().await {
        let resp = client()
            .get(format!("{base}/auth/gamma/login"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);
        let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert_eq!(body["error"], "unknown_provider");

        let resp = client()
            .get(format!(
                "{base}/auth/alpha/login?return_to=https%3A%2F%2Fevil.example"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
        let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert_eq!(body["error"], "invalid_return_to");
    }
}

#[tokio::test]
async fn garbage_callbacks_are_4xx_never_5xx() {
    for (adapter, base) in servers().await {
        for q in [
            "",
            "code=x",
            "state=%ff",
            "code=a&code=b&state=s",
            "error=access_denied",
            &format!("code={}", "a".repeat(40_000)),
        ] {
            let resp = client()
                .get(format!("{base}/auth/alpha/callback?{q}"))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            assert!((400..500).contains(&status), "{adapter} {q:.30}: {status}");
        }
        let resp = client()
            .post(format!("{base}/auth/alpha/callback"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(vec![0xff, 0xfe, b'=', 0x80])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{adapter}");
    }
}
