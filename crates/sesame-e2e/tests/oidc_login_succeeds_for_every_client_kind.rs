//! Confidential (Basic, RS256), confidential (ES256), client_secret_post
//! and public (PKCE only) clients log in against the real OP.
use sesame_e2e::*;

async fn check(client_id: &str, secret: Option<&str>, env: &[(&str, &str)], user: &str) {
    for_each_app(client_id, secret, env, |op, app| async move {
        let mut browser = Browser::new(http_client());
        let seen = browser.login(&app.base, user).await;
        assert_eq!(seen.status, 200, "{}: {:?}", app.name, seen.json);
        let id = &seen.json;
        assert_eq!(id["provider"], "op");
        assert_eq!(id["id"], user);
        assert_eq!(id["email"], format!("{user}@example.test"));
        assert_eq!(id["email_verified"], true);
        assert_eq!(id["name"], format!("User {user}"));
        // The login cookie is cleared by the callback.
        assert!(seen
            .set_cookies
            .iter()
            .any(|c| c.starts_with("sesame-login-") && c.contains("Max-Age=0")));
        app.stop().await;
        op.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_client_secret_basic_rs256() {
    check("conf-client", Some("conf-secret"), &[], "ada").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_client_es256_id_tokens() {
    check("conf-es256", Some("conf-secret"), &[], "grace").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_client_secret_post() {
    check(
        "conf-post",
        Some("conf-secret"),
        &[("SESAME_CLIENT_AUTH", "client_secret_post")],
        "edsger",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_client_with_pkce_only() {
    check("pub-client", None, &[], "barbara").await;
}
