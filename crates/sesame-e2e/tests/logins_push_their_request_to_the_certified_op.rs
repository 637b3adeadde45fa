//! Pushed authorization requests (RFC 9126) against the certified OP: with
//! `require_pushed_authorization_requests` on, every example app pushes its
//! request (authenticated with its secret, or as a public client) and the
//! browser carries only `client_id` and `request_uri`.
use sesame_e2e::*;

async fn check(client_id: &str, secret: Option<&str>, user: &str) {
    for name in apps() {
        let (port, redirect) = App::reserve();
        let op = Op::start_with(&[redirect], &[("OP_REQUIRE_PAR", "1")]).await;
        let meta = get_json(
            &http_client(),
            &format!("{}/.well-known/openid-configuration", op.issuer),
        )
        .await;
        assert_eq!(meta["require_pushed_authorization_requests"], true);
        let config = AppConfig {
            issuer: op.issuer.clone(),
            client_id: client_id.to_owned(),
            client_secret: secret.map(String::from),
            extra_env: Vec::new(),
        };
        let app = App::start(&name, port, &config).await;
        let mut browser = Browser::new(http_client());

        // The login's redirect names only the client and the pushed request.
        let (status, location, seen) = browser.get(&format!("{}/login", app.base)).await;
        assert_eq!(status.as_u16(), 303, "{name}: {seen:?}");
        let location = url::Url::parse(&location.unwrap()).unwrap();
        let names: Vec<String> = location
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .collect();
        assert_eq!(names, ["client_id", "request_uri"], "{name}: {location}");
        let request_uri = location
            .query_pairs()
            .find(|(k, _)| k == "request_uri")
            .unwrap()
            .1
            .into_owned();
        assert!(
            request_uri.starts_with("urn:ietf:params:oauth:request_uri:"),
            "{name}: {request_uri}"
        );

        // The whole login completes, for the user the browser picks.
        let seen = browser.login(&app.base, user).await;
        assert_eq!(seen.status, 200, "{name}: {:?}", seen.json);
        assert_eq!(seen.json["id"], user, "{name}");
        let stats = op.stats().await;
        assert_eq!(stats["pushed"]["success"], 2, "{name}: {stats}");
        assert_eq!(stats["pushed"]["error"], 0, "{name}: {stats}");
        assert_eq!(stats["grants"]["authorization_code"], 1, "{name}: {stats}");
        app.stop().await;
        op.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_clients_push_with_their_secret() {
    check("conf-client", Some("conf-secret"), "ada").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_clients_push_with_their_client_id() {
    check("pub-client", None, "barbara").await;
}
