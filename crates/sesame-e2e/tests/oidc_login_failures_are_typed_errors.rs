//! Every failure case answers its own status and error code.
use std::time::Duration;

use sesame_e2e::*;

fn code(seen: &Seen) -> &str {
    seen.json["error"].as_str().unwrap_or("<not json>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_cookie_and_replay_failures() {
    for_each_app(
        "conf-client",
        Some("conf-secret"),
        &[],
        |op, app| async move {
            let client = http_client();

            // State mismatch: the callback's state is altered.
            let mut b = Browser::new(client.clone());
            let cb = b.until_callback(&app.base, "u1").await;
            let mut url = url::Url::parse(&cb).unwrap();
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == "state" {
                        "tampered-state-value-x".to_owned()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
            let seen = b.get(url.as_str()).await.2;
            assert_eq!(
                (seen.status, code(&seen)),
                (400, "state_mismatch"),
                "{}",
                app.name
            );

            // Missing state cookie: a callback from a browser that never started the login.
            let mut b = Browser::new(client.clone());
            let cb = b.until_callback(&app.base, "u2").await;
            let seen = Browser::new(client.clone()).get(&cb).await.2;
            assert_eq!(
                (seen.status, code(&seen)),
                (400, "missing_login_state"),
                "{}",
                app.name
            );

            // Tampered state cookie.
            let mut b = Browser::new(client.clone());
            let cb = b.until_callback(&app.base, "u3").await;
            let host = url::Url::parse(&app.base).unwrap();
            let key = format!("{}:{}", host.host_str().unwrap(), host.port().unwrap());
            for v in b
                .jar
                .get_mut(&key)
                .unwrap()
                .iter_mut()
                .filter(|(k, _)| k.starts_with("sesame-login-"))
            {
                let mut chars: Vec<char> = v.1.chars().collect();
                let mid = chars.len() / 2;
                chars[mid] = if chars[mid] == 'A' { 'B' } else { 'A' };
                *v.1 = chars.into_iter().collect();
            }
            let seen = b.get(&cb).await.2;
            assert_eq!(
                (seen.status, code(&seen)),
                (400, "invalid_login_state"),
                "{}",
                app.name
            );

            // A callback replayed a second time: the cookie is gone after the first…
            let mut b = Browser::new(client.clone());
            let cb = b.until_callback(&app.base, "u4").await;
            let jar_before = b.jar.clone();
            assert_eq!(b.get(&cb).await.2.status, 200);
            let seen = b.get(&cb).await.2;
            assert_eq!(
                (seen.status, code(&seen)),
                (400, "missing_login_state"),
                "{}",
                app.name
            );
            // …and an attacker who kept the cookie meets the single-use code.
            b.jar = jar_before;
            let seen = b.get(&cb).await.2;
            assert_eq!(
                (seen.status, code(&seen)),
                (400, "invalid_grant"),
                "{}",
                app.name
            );

            app.stop().await;
            op.stop().await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_from_the_provider() {
    for_each_app(
        "conf-client",
        Some("conf-secret"),
        &[],
        |op, app| async move {
            let seen = Browser::new(http_client()).login(&app.base, "deny").await;
            assert_eq!(
                (seen.status, code(&seen)),
                (401, "access_denied"),
                "{}: {:?}",
                app.name,
                seen.json
            );
            app.stop().await;
            op.stop().await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_login() {
    for_each_app(
        "conf-client",
        Some("conf-secret"),
        &[("SESAME_LOGIN_TTL_SECS", "1")],
        |op, app| async move {
            let mut b = Browser::new(http_client());
            let cb = b.until_callback(&app.base, "slow").await;
            tokio::time::sleep(Duration::from_millis(2100)).await;
            let seen = b.get(&cb).await.2;
            assert_eq!(
                (seen.status, code(&seen)),
                (400, "login_expired"),
                "{}",
                app.name
            );
            app.stop().await;
            op.stop().await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_provider_is_a_502_not_a_hang() {
    for name in apps() {
        let dead = format!("http://127.0.0.1:{}", free_port());
        let (port, _) = App::reserve();
        let config = AppConfig {
            issuer: dead,
            client_id: "c".into(),
            client_secret: Some("s".into()),
            extra_env: vec![],
        };
        let app = App::start(&name, port, &config).await;
        let started = std::time::Instant::now();
        let (status, _, seen) = Browser::new(http_client())
            .get(&format!("{}/login", app.base))
            .await;
        assert_eq!(status.as_u16(), 502, "{name}: {seen:?}");
        assert_eq!(code(&seen), "provider_unavailable");
        assert!(started.elapsed() < Duration::from_secs(15));
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_going_down_mid_login_is_a_502() {
    for_each_app(
        "conf-client",
        Some("conf-secret"),
        &[],
        |op, app| async move {
            let mut b = Browser::new(http_client());
            let cb = b.until_callback(&app.base, "u5").await;
            op.stop().await;
            let seen = b.get(&cb).await.2;
            assert_eq!(
                (seen.status, code(&seen)),
                (502, "provider_unavailable"),
                "{}: {:?}",
                app.name,
                seen.json
            );
            app.stop().await;
        },
    )
    .await;
}
