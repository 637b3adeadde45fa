//! `cargo run -p sesame-demo`, driven over HTTP: sign in with a password
//! through Sesame's login page, call the protected API, and get 403 on the
//! role-guarded route as a user without the role.
use sesame_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_sign_in_then_api_calls() {
    let (_demo, base) = start_demo(&[]).await;
    let http = http_client();
    let alice = demo_token(&base, "alice", "alice-password").await;
    let bob = demo_token(&base, "bob", "bob-password").await;
    let call = |path: &str, token: &str| {
        let req = http.get(format!("{base}{path}")).bearer_auth(token);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(call("/api/me", &alice).await, 200);
    assert_eq!(call("/api/admin", &alice).await, 200);
    assert_eq!(call("/api/me", &bob).await, 200);
    assert_eq!(call("/api/admin", &bob).await, 403);
    assert_eq!(call("/api/me", "not-a-token").await, 401);

    // A wrong password, for the server's sign-in failures.
    let mut b = Browser::new(http_client());
    let (_, location, _) = b
        .get(&format!("{base}/auth/sesame/login?return_to=/"))
        .await;
    let (status, _, _) = fill_login_form(&http, &location.unwrap(), "alice", "wrong").await;
    assert_eq!(status, 401);

    // The operator's view: counters and latencies in the Prometheus format.
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "sesame_audit_events_total{event=\"login_succeeded\"} 2",
        "sesame_audit_events_total{event=\"session_started\"} 2",
        "sesame_request_duration_seconds_count{route=\"callback\",outcome=\"ok\"} 2",
        "sesame_request_duration_seconds_count{route=\"bearer\",outcome=\"refused\"}",
        // The authorization server's side, in the same process.
        "sesame_audit_events_total{event=\"sign_in_succeeded\"} 2",
        "sesame_audit_events_total{event=\"sign_in_failed\"} 1",
        "sesame_audit_events_total{event=\"token_issued\"} 2",
    ] {
        assert!(
            metrics.contains(line),
            "{line} missing from /metrics:\n{metrics}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_carries_the_security_headers() {
    let (_demo, base) = start_demo(&[]).await;
    let http = http_client();
    for path in [
        "/",
        "/docs/",
        "/docs/index.html",
        "/authorize?client_id=nobody",
        "/style.css",
    ] {
        let resp = http.get(format!("{base}{path}")).send().await.unwrap();
        let h = resp.headers();
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    // The home page is personal once signed in: never stored.
    let home = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.headers()["cache-control"], "no-store");
    // The authorization server's pages keep their stricter policy.
    let page = http
        .get(format!("{base}/authorize?client_id=nobody"))
        .send()
        .await
        .unwrap();
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
}
