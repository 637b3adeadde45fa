//! Refresh on demand against the certified OP, which rotates the refresh
//! tokens of public clients and revokes the grant when a used one comes
//! back: 100 concurrent requests on one session whose access token is due
//! cause exactly one refresh at the OP, and the rotated refresh token is
//! the one kept (the next refresh succeeds). With the sessions on Redis,
//! two instances share the sessions and still refresh once between them.
use std::time::Duration;

use sesame_e2e::*;
use sesame_redis::testing::RedisServer;

/// The OP's access tokens live 6 s here and the apps refresh 4 s before
/// expiry: 2.5 s after the login a token is due, a just-refreshed one is not.
const MARGIN: (&str, &str) = ("SESAME_REFRESH_MARGIN_SECS", "4");
const OP_TTL: (&str, &str) = ("OP_ACCESS_TOKEN_TTL", "6");
const UNTIL_DUE: Duration = Duration::from_millis(2500);

async fn storm(app: &str, cookie: &str, n: usize) -> Vec<u16> {
    let http = http_client();
    let calls = (0..n).map(|_| {
        let http = http.clone();
        let url = format!("{app}/userinfo");
        let cookie = cookie.to_owned();
        async move {
            let resp = http
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .expect("GET /userinfo");
            resp.status().as_u16()
        }
    });
    futures_join_all(calls).await
}

async fn futures_join_all<F: std::future::Future<Output = u16> + Send + 'static>(
    calls: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = calls.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

async fn start(name: &str, redirects: usize, extra: &[(&str, &str)]) -> (Op, Vec<App>) {
    let reserved: Vec<(u16, String)> = (0..redirects).map(|_| App::reserve()).collect();
    let uris: Vec<String> = reserved.iter().map(|(_, r)| r.clone()).collect();
    let op = Op::start_with(&uris, &[OP_TTL]).await;
    let mut env = vec![(MARGIN.0.to_owned(), MARGIN.1.to_owned())];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let config = AppConfig {
        issuer: op.issuer.clone(),
        client_id: "pub-client".into(),
        client_secret: None,
        extra_env: env,
    };
    let mut apps = Vec::new();
    for (port, _) in reserved {
        apps.push(App::start(name, port, &config).await);
    }
    (op, apps)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_requests_refresh_once() {
    for name in apps() {
        let (op, mut apps) = start(&name, 1, &[]).await;
        let app = apps.remove(0);
        let mut b = Browser::new(http_client());
        assert_eq!(b.login(&app.base, "alan").await.status, 200);
        assert_eq!(op.refresh_grants().await, 0);
        tokio::time::sleep(UNTIL_DUE).await;
        let cookie = b.cookie_header(&app.base);
        let before = op.refresh_grants().await;
        let statuses = storm(&app.base, &cookie, 100).await;
        assert!(
            statuses.iter().all(|s| *s == 200),
            "{}: {statuses:?}",
            app.name
        );
        let refreshed = op.refresh_grants().await - before;
        report(&format!(
            "{}: 100 concurrent requests on a due session -> {refreshed} refresh",
            app.name
        ));
        assert_eq!(refreshed, 1, "{}: exactly one refresh at the OP", app.name);
        // The rotated refresh token is the one stored: the next due refresh
        // succeeds; the OP would revoke the grant on a reused one.
        tokio::time::sleep(UNTIL_DUE).await;
        let (status, _, seen) = b.get(&format!("{}/userinfo", app.base)).await;
        assert_eq!(status.as_u16(), 200, "{}: {seen:?}", app.name);
        assert_eq!(seen.json["sub"], "alan");
        assert_eq!(op.refresh_grants().await - before, 2);
        app.stop().await;
        op.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_ends_the_session() {
    for name in apps() {
        let (op, mut apps) = start(&name, 1, &[]).await;
        let app = apps.remove(0);
        let mut b = Browser::new(http_client());
        assert_eq!(b.login(&app.base, "kathleen").await.status, 200);
        // The OP forgets the user's grants: the next refresh is refused.
        assert!(op.revoke_account("kathleen").await > 0);
        tokio::time::sleep(UNTIL_DUE).await;
        assert_eq!(
            b.get(&format!("{}/me", app.base)).await.0.as_u16(),
            200,
            "{name}: not told yet"
        );
        let (status, _, seen) = b.get(&format!("{}/userinfo", app.base)).await;
        assert_eq!(status.as_u16(), 401, "{name}: {seen:?}");
        assert!(
            seen.set_cookies
                .iter()
                .any(|c| c.starts_with("sesame-session=;")),
            "{name}: the dead session's cookie is cleared: {:?}",
            seen.set_cookies
        );
        assert_eq!(b.get(&format!("{}/me", app.base)).await.0.as_u16(), 401);
        app.stop().await;
        op.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_redis_share_sessions_and_refresh_once() {
    let redis = RedisServer::start().expect("redis-server");
    let key = sesame_core::base64url::encode([42u8; 32]);
    for name in apps() {
        let extra = [
            ("SESAME_SESSION_STORE", redis.url()),
            ("SESAME_COOKIE_KEY", key.clone()),
        ];
        let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (op, mut apps) = start(&name, 2, &extra).await;
        let (a, b) = (apps.remove(0), apps.remove(0));
        let mut browser = Browser::new(http_client());
        assert_eq!(browser.login(&a.base, "ada").await.status, 200, "{name}");
        let cookie = browser.cookie_header(&a.base);
        // The other instance knows the session.
        let me_b = http_client()
            .get(format!("{}/me", b.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let status = me_b.status().as_u16();
        let body = me_b.text().await.unwrap_or_default();
        assert_eq!(status, 200, "{name}: instance B reads A's session: {body}");

        tokio::time::sleep(UNTIL_DUE).await;
        let before = op.refresh_grants().await;
        let (sa, sb) = tokio::join!(storm(&a.base, &cookie, 50), storm(&b.base, &cookie, 50));
        assert!(
            sa.iter().chain(&sb).all(|s| *s == 200),
            "{name}: {sa:?} {sb:?}"
        );
        let refreshed = op.refresh_grants().await - before;
        report(&format!("{name}: 2 instances on Redis, 100 concurrent requests on a due session -> {refreshed} refresh"));
        assert_eq!(refreshed, 1, "{name}: one refresh across both instances");

        // Logout at B ends the session at A too.
        let logout = http_client()
            .get(format!("{}/logout", b.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status().as_u16(), 303);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let me_a = http_client()
            .get(format!("{}/me", a.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(me_a.status().as_u16(), 401, "{name}: ended everywhere");
        a.stop().await;
        b.stop().await;
        op.stop().await;
    }
}

/// How many grants of `grant_type` the OP answered with DPoP-bound tokens.
async fn dpop_grants(op: &Op, grant_type: &str) -> u64 {
    op.stats().await["dpop_grants"][grant_type]
        .as_u64()
        .unwrap_or(0)
}

/// With `SESAME_DPOP=per-login` each login makes its own DPoP key, and the
/// session keeps it (sealed) in Redis: the other instance calls userinfo
/// and refreshes with it. The OP binds a public client's refresh token to
/// the key (RFC 9449 §5), so a refresh with any other key would fail and
/// end the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_sessions_refresh_with_their_own_key_on_either_instance() {
    let redis = RedisServer::start().expect("redis-server");
    let key = sesame_core::base64url::encode([43u8; 32]);
    for name in apps() {
        let extra = [
            ("SESAME_SESSION_STORE", redis.url()),
            ("SESAME_COOKIE_KEY", key.clone()),
            ("SESAME_DPOP", "per-login".to_owned()),
        ];
        let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (op, mut apps) = start(&name, 2, &extra).await;
        let (a, b) = (apps.remove(0), apps.remove(0));
        let mut browser = Browser::new(http_client());
        assert_eq!(browser.login(&a.base, "grace").await.status, 200, "{name}");
        assert_eq!(
            dpop_grants(&op, "authorization_code").await,
            1,
            "{name}: bound at login"
        );
        let cookie = browser.cookie_header(&a.base);
        let userinfo = |base: String, cookie: String| async move {
            let r = http_client()
                .get(format!("{base}/userinfo"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            (status, json)
        };
        let userinfo_at_b = || userinfo(b.base.clone(), cookie.clone());
        let (status, body) = userinfo_at_b().await;
        assert_eq!(
            status, 200,
            "{name}: B proves possession with A's login key: {body}"
        );
        assert_eq!(body["sub"], "grace");

        tokio::time::sleep(UNTIL_DUE).await;
        let (status, body) = userinfo_at_b().await;
        assert_eq!(
            status, 200,
            "{name}: B refreshed with the session's key: {body}"
        );
        assert_eq!(
            dpop_grants(&op, "refresh_token").await,
            1,
            "{name}: bound refresh"
        );

        // A second login has a key of its own: its tokens work, and so do
        // the first session's, each with its own key.
        let mut other = Browser::new(http_client());
        assert_eq!(other.login(&b.base, "hedy").await.status, 200, "{name}");
        let (status, body) = userinfo(a.base.clone(), other.cookie_header(&b.base)).await;
        assert_eq!(status, 200, "{name}: A proves with B's login key: {body}");
        assert_eq!(body["sub"], "hedy");
        assert_eq!(userinfo_at_b().await.0, 200, "{name}");
        a.stop().await;
        b.stop().await;
        op.stop().await;
    }
}
