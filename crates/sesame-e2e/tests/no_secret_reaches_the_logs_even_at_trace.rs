//! Everything emitted at TRACE level — by Sesame and by every crate below
//! it (reqwest, hyper, axum, tower) — through a whole run against the
//! certified OP: a login with a client secret, the session, a refresh, the
//! userinfo call, a logout at the OP, a back-channel logout and a refused
//! one. None of the secrets it used appears in the captured output: the
//! client secret, the authorization code, the state, the tokens (access,
//! refresh, ID), the session and login cookies, the logout token — and, on
//! Sesame's own authorization server in the same process, the user's
//! password, the client secret, the code, the PKCE verifier and the tokens
//! it issued, including a refresh and a revocation.
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use sesame_core::client::{Client, ClientConfig, Login};
use sesame_core::login::LoginService;
use sesame_core::provider::Provider;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::session::{MemorySessionStore, SessionConfig, Sessions};
use sesame_e2e::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_run_at_trace_level_logs_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .expect("subscriber");

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let op = Op::start_with(
        &[format!("{base}/auth/op/callback")],
        &[("OP_ACCESS_TOKEN_TTL", "6")],
    )
    .await;
    const SECRET: &str = "conf-secret";
    let client = Client::new(
        Provider::openid("op", "OP", &op.issuer).unwrap(),
        ClientConfig::new(
            "conf-client",
            format!("{base}/auth/op/callback").parse().unwrap(),
        )
        .secret(SECRET),
    )
    .unwrap();
    let service = LoginService::new(Sealer::new(SealingKey::from_bytes([1; 32])))
        .insecure_cookies()
        .provider(client);
    // Every access token is due at once: each /userinfo refreshes.
    let sessions = Sessions::new(
        SessionConfig::default()
            .insecure_cookies()
            .refresh_margin(Duration::from_secs(10)),
        Sealer::new(SealingKey::from_bytes([2; 32])),
    );
    let logins: Arc<Mutex<Vec<Login>>> = Arc::default();
    let keep = Arc::clone(&logins);
    let auth = sesame_axum::SesameAuth::new(service)
        .unwrap()
        .with_sessions(sessions, Arc::new(MemorySessionStore::default()))
        .on_login(move |login: Login| {
            let keep = Arc::clone(&keep);
            async move {
                let id = login.identity.id.clone();
                keep.lock().unwrap().push(login);
                id
            }
        });
    let app: axum::Router = axum::Router::new()
        .route(
            "/userinfo",
            axum::routing::get(|s: sesame_axum::Session| async move {
                match s.slot().userinfo().await {
                    Ok(v) => axum::Json(v).to_string_response(),
                    Err(e) => sesame_axum::to_axum(e.to_response()),
                }
            }),
        )
        .nest("/auth", auth.router())
        .merge(auth.logout_router("/"))
        .layer(auth.session_layer());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    wait_for_port(port).await;

    // Login: remember the code, the state and the login cookie on the way.
    let mut b = Browser::new(http_client());
    let (_, location, seen) = b.get(&format!("{base}/auth/op/login")).await;
    let login_cookie = seen.set_cookies[0]
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let mut next = location.unwrap() + "&login_hint=ada";
    let callback = loop {
        if next.starts_with(&base) {
            break next;
        }
        next = b.get(&next).await.1.expect("redirect");
    };
    let param = |name: &str| {
        url::Url::parse(&callback)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let (code, state) = (param("code"), param("state"));
    assert_eq!(b.get(&callback).await.0.as_u16(), 200);
    let session_cookie = b.jar[&format!("127.0.0.1:{port}")]["sesame-session"].clone();

    // The session's refresh and userinfo, twice.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..2 {
        let (status, _, seen) = b.get(&format!("{base}/userinfo")).await;
        assert_eq!(status.as_u16(), 200, "{seen:?}");
    }
    // Logout through the OP (which calls back by back-channel), and a
    // back-channel token of our own, accepted then replayed.
    let (_, to_op, _) = b.get(&format!("{base}/logout")).await;
    // (The OP sends the browser back to /auth/op/logout/callback, which this app does not serve.)
    b.confirm_op_logout(&to_op.unwrap()).await.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let logout_token = op
        .sign(&json!({"iss": op.issuer, "aud": "conf-client", "iat": now, "jti": "trace-1", "sub": "ada",
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}))
        .await;
    for expected in [200, 400] {
        let resp = http_client()
            .post(format!("{base}/backchannel-logout"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("logout_token={logout_token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), expected);
    }
    op.stop().await;

    let login = logins.lock().unwrap().pop().expect("a login");
    let mut secrets: Vec<(&str, String)> = vec![
        ("client secret", SECRET.into()),
        ("authorization code", code),
        ("state", state),
        ("login cookie", login_cookie),
        ("session cookie", session_cookie),
        ("access token", login.tokens.access_token.expose().into()),
        ("logout token", logout_token),
    ];
    if let Some(rt) = &login.tokens.refresh_token {
        secrets.push(("refresh token", rt.expose().into()));
    }
    if let Some(it) = &login.tokens.id_token {
        secrets.push(("id token", it.expose().into()));
    }
    secrets.extend(authorization_server_run().await);
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    let lines = log.lines().count();
    assert!(lines > 100, "TRACE output was captured ({lines} lines)");
    for (what, value) in &secrets {
        assert!(value.len() >= 8, "{what} is a real value");
        if let Some(line) = log.lines().find(|l| l.contains(value.as_str())) {
            panic!("the {what} appears in the TRACE output:\n{line}");
        }
    }
    report(&format!("TRACE capture: {lines} lines from a login, 2 refreshes, logouts; none of {} secrets in them", secrets.len()));
}

trait ToStringResponse {
    fn to_string_response(self) -> axum::response::Response;
}

impl ToStringResponse for axum::Json<serde_json::Value> {
    fn to_string_response(self) -> axum::response::Response {
        axum::response::IntoResponse::into_response(self)
    }
}

/// A password login, a code exchange, a refresh and a revocation at
/// Sesame's own authorization server (Axum mount, `sesame_axum::serve`);
/// returns the secrets it used.
async fn authorization_server_run() -> Vec<(&'static str, String)> {
    use sesame_core::jose::{Algorithm, SigningKey};
    use sesame_server::{
        AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
        StaticUsers,
    };
    const PASSWORD: &str = "correct-horse-battery";
    const CLIENT_SECRET: &str = "as-client-secret-xyz";
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = ServerConfig::new(&base).client(RegisteredClient::new(
        "web",
        Some(CLIENT_SECRET),
        &["http://127.0.0.1:9/cb"],
    ));
    let users = StaticUsers::default().user("alice", PASSWORD, serde_json::Map::new());
    let service = Arc::new(
        AuthServerService::new(
            Arc::new(AuthorizationServer::new(
                config,
                SigningKey::generate(Algorithm::ES256, "k").unwrap().0,
            )),
            Arc::new(MemoryStore::default()),
            Arc::new(users),
            Sealer::new(SealingKey::from_bytes([3; 32])),
        )
        .insecure_cookies(),
    );
    tokio::spawn(sesame_axum::serve(
        listener,
        sesame_axum::authorization_server(service),
        Default::default(),
    ));
    let http = http_client();
    let authorize = format!(
        "{base}/authorize?response_type=code&client_id=web&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid%20offline_access&state=st-12345678&code_challenge={CHALLENGE}&code_challenge_method=S256"
    );
    // A wrong password first, then the right one.
    assert_eq!(
        fill_login_form(&http, &authorize, "alice", "wrong-password-1")
            .await
            .0,
        401
    );
    let (status, location, _) = fill_login_form(&http, &authorize, "alice", PASSWORD).await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let token = |body: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let resp = http
                .post(format!("{base}/token"))
                .basic_auth("web", Some(CLIENT_SECRET))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 200);
            serde_json::from_slice::<serde_json::Value>(&resp.bytes().await.unwrap()).unwrap()
        }
    };
    let first = token(format!(
        "grant_type=authorization_code&code={code}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_verifier={VERIFIER}"
    ))
    .await;
    let refresh = first["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut out = vec![
        ("user's password", PASSWORD.to_owned()),
        ("wrong password", "wrong-password-1".to_owned()),
        ("server's client secret", CLIENT_SECRET.to_owned()),
        ("issued code", code),
        ("PKCE verifier", VERIFIER.to_owned()),
        (
            "issued access token",
            first["access_token"].as_str().unwrap().to_owned(),
        ),
        (
            "issued ID token",
            first["id_token"].as_str().unwrap().to_owned(),
        ),
    ];
    assert!(
        !refresh.is_empty(),
        "the server issued a refresh token: {first}"
    );
    {
        let second = token(format!("grant_type=refresh_token&refresh_token={refresh}")).await;
        out.push(("issued refresh token", refresh));
        let rotated = second["refresh_token"].as_str().unwrap().to_owned();
        let resp = http
            .post(format!("{base}/revoke"))
            .basic_auth("web", Some(CLIENT_SECRET))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={rotated}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        out.push(("rotated refresh token", rotated));
    }
    out
}
