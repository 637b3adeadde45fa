//! The end-to-end harness shared by every scenario and every adapter.
//!
//! * [`Op`] runs panva's certified `oidc-provider` (Node, pinned by
//!   `xtask/oidc-provider/package-lock.json`) on a free loopback port.
//! * [`App`] runs one of the example apps (`axum-oidc-login`,
//!   `poem-oidc-login`, `blocking-login`) — all share one env and HTTP
//!   contract, so every scenario runs unchanged against each of them.
//! * [`Browser`] follows redirects with its own cookie jar, as a browser would.
//!
//! The adapters under test come from `SESAME_E2E_APPS` (comma-separated
//! binary names; default: every example binary that is built).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Every example app implementing the login contract.
pub const ALL_APPS: &[&str] = &["axum-oidc-login", "poem-oidc-login", "blocking-login"];

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The example apps to test: `SESAME_E2E_APPS`, or every built one.
pub fn apps() -> Vec<String> {
    if let Ok(list) = std::env::var("SESAME_E2E_APPS") {
        return list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
    }
    let built: Vec<String> = ALL_APPS
        .iter()
        .filter(|a| target_dir().join("debug").join(a).exists())
        .map(|a| (*a).to_owned())
        .collect();
    assert!(
        !built.is_empty(),
        "no example app is built: run `cargo build -p axum-oidc-login` (or `cargo xtask test`) first"
    );
    built
}

/// Records a line of the suite's report (wall times, throughput): printed
/// to stderr and appended to `target/e2e-report.txt`, which `cargo xtask
/// test` prints at the end.
pub fn report(line: &str) {
    use std::io::Write as _;
    eprintln!("{line}");
    let path = target_dir().join("e2e-report.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{line}");
    }
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// A running oidc-provider.
#[derive(Debug)]
pub struct Op {
    /// Its issuer URL, `http://127.0.0.1:<port>`.
    pub issuer: String,
    child: Child,
}

impl Op {
    /// Starts the OP allowing these redirect URIs; waits (bounded) for it to listen.
    pub async fn start(redirect_uris: &[String]) -> Op {
        Self::start_with(redirect_uris, &[]).await
    }

    /// [`Op::start`] with extra environment (`OP_BACKCHANNEL_LOGOUT_URI`, …).
    pub async fn start_with(redirect_uris: &[String], env: &[(&str, &str)]) -> Op {
        let dir = workspace_root().join("xtask/oidc-provider");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "oidc-provider is not installed: run `npm ci` in xtask/oidc-provider (cargo xtask test does)"
        );
        let mut child = Command::new("node")
            .arg("op.mjs")
            .current_dir(&dir)
            .env("OP_PORT", "0")
            .env("OP_REDIRECT_URIS", redirect_uris.join(","))
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start node op.mjs");
        let stdout = child.stdout.take().expect("op stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(issuer) = line.strip_prefix("READY ") {
                    return Some(issuer.trim().to_owned());
                }
            }
            None
        })
        .await;
        let issuer = match ready {
            Ok(Some(i)) => i,
            _ => panic!("oidc-provider did not start within 30 s"),
        };
        // Keep draining stdout so the OP never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Op { issuer, child }
    }

    /// Rotates the OP's signing keys; returns the new kids.
    pub async fn rotate_keys(&self) -> Vec<String> {
        let resp = http_client()
            .post(format!("{}/__test/rotate", self.issuer))
            .send()
            .await
            .expect("rotate");
        assert!(
            resp.status().is_success(),
            "rotate failed: {}",
            resp.status()
        );
        let v: Value =
            serde_json::from_slice(&resp.bytes().await.expect("rotate body")).expect("rotate json");
        v["kids"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The OP's counters (`GET /__test/stats`): successful grants by type
    /// (`grants.refresh_token`, …) and back-channel logout calls.
    pub async fn stats(&self) -> Value {
        get_json(&http_client(), &format!("{}/__test/stats", self.issuer)).await
    }

    /// How many refresh grants the OP has answered so far.
    pub async fn refresh_grants(&self) -> u64 {
        self.stats().await["grants"]["refresh_token"]
            .as_u64()
            .unwrap_or(0)
    }

    /// A JWS of `claims` signed with the OP's current key (`POST /__test/sign`),
    /// `typ` `logout+jwt`: logout tokens the OP itself would not send.
    pub async fn sign(&self, claims: &Value) -> String {
        let resp = http_client()
            .post(format!("{}/__test/sign", self.issuer))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::json!({"claims": claims}).to_string())
            .send()
            .await
            .expect("sign");
        assert!(resp.status().is_success(), "sign failed: {}", resp.status());
        let v: Value =
            serde_json::from_slice(&resp.bytes().await.expect("sign body")).expect("sign json");
        v["token"].as_str().expect("token").to_owned()
    }

    /// Forgets every grant and token of `sub` at the OP (`POST /__test/revoke`):
    /// the next refresh is refused with `invalid_grant`.
    pub async fn revoke_account(&self, sub: &str) -> u64 {
        let resp = http_client()
            .post(format!("{}/__test/revoke?sub={sub}", self.issuer))
            .send()
            .await
            .expect("revoke");
        let v: Value =
            serde_json::from_slice(&resp.bytes().await.unwrap_or_default()).unwrap_or(Value::Null);
        v["removed"].as_u64().unwrap_or(0)
    }

    /// Stops the OP.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A running example app.
#[derive(Debug)]
pub struct App {
    /// Which binary.
    pub name: String,
    /// Its base URL, `http://127.0.0.1:<port>`.
    pub base: String,
    child: Child,
}

/// How an app should be configured.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// `SESAME_ISSUER`.
    pub issuer: String,
    /// `SESAME_CLIENT_ID`.
    pub client_id: String,
    /// `SESAME_CLIENT_SECRET` (None: public client).
    pub client_secret: Option<String>,
    /// Extra env vars.
    pub extra_env: Vec<(String, String)>,
}

impl App {
    /// The port and redirect URI an app will get, chosen before the OP starts.
    pub fn reserve() -> (u16, String) {
        let port = free_port();
        (port, format!("http://127.0.0.1:{port}/callback"))
    }

    /// Starts the app `name` on `port`; waits (bounded) until it accepts connections.
    pub async fn start(name: &str, port: u16, config: &AppConfig) -> App {
        let bin = target_dir().join("debug").join(name);
        assert!(
            bin.exists(),
            "{} is not built (cargo build -p {name})",
            bin.display()
        );
        let bind = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(&bin);
        cmd.env("SESAME_ISSUER", &config.issuer)
            .env("SESAME_CLIENT_ID", &config.client_id)
            .env(
                "SESAME_CLIENT_SECRET",
                config.client_secret.clone().unwrap_or_default(),
            )
            .env("SESAME_BIND", &bind)
            .env_remove("SESAME_PUBLIC_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (k, v) in &config.extra_env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start example app");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if tokio::net::TcpStream::connect(&bind).await.is_ok() {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name} did not listen on {bind} within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        App {
            name: name.to_owned(),
            base: format!("http://{bind}"),
            child,
        }
    }

    /// Stops the app.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A plain HTTP client that never follows redirects.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(64)
        .build()
        .expect("http client")
}

/// A response as the harness sees it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The status.
    pub status: u16,
    /// The body as JSON (Null if it is not JSON).
    pub json: Value,
    /// The `Set-Cookie` headers.
    pub set_cookies: Vec<String>,
}

/// A browser: follows redirects by hand and keeps cookies per host.
#[derive(Debug)]
pub struct Browser {
    client: reqwest::Client,
    /// Cookies by `host:port`, name → value.
    pub jar: HashMap<String, HashMap<String, String>>,
}

impl Browser {
    /// A browser sharing a connection pool.
    pub fn new(client: reqwest::Client) -> Self {
        Self {
            client,
            jar: HashMap::new(),
        }
    }

    fn host_key(url: &url::Url) -> String {
        format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        )
    }

    fn store_cookies(&mut self, url: &url::Url, resp: &reqwest::Response) -> Vec<String> {
        let mut raw = Vec::new();
        let jar = self.jar.entry(Self::host_key(url)).or_default();
        for v in resp.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            raw.push(s.to_owned());
            let first = s.split(';').next().unwrap_or("");
            if let Some((n, val)) = first.split_once('=') {
                let expired = s.to_ascii_lowercase().contains("max-age=0") || val.is_empty();
                if expired {
                    jar.remove(n.trim());
                } else {
                    jar.insert(n.trim().to_owned(), val.trim().to_owned());
                }
            }
        }
        raw
    }

    /// One GET with this browser's cookies; no redirect following.
    pub async fn get(&mut self, url: &str) -> (reqwest::StatusCode, Option<String>, Seen) {
        self.send(url, None).await
    }

    /// Sends a GET, or a form POST of `form`, with this browser's cookies,
    /// keeping the cookies the answer sets; no redirect following.
    async fn send(
        &mut self,
        url: &str,
        form: Option<&[(&str, &str)]>,
    ) -> (reqwest::StatusCode, Option<String>, Seen) {
        let u = url::Url::parse(url).expect("url");
        let cookies = self.cookie_header(url);
        let mut rb = match form {
            None => self.client.get(u.clone()),
            Some(fields) => self
                .client
                .post(u.clone())
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(
                    url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(fields)
                        .finish(),
                ),
        };
        if !cookies.is_empty() {
            rb = rb.header(reqwest::header::COOKIE, cookies);
        }
        let resp = rb.send().await.unwrap_or_else(|e| panic!("{url}: {e:?}"));
        let status = resp.status();
        let set_cookies = self.store_cookies(&u, &resp);
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(|l| {
                u.join(l)
                    .map(|x| x.to_string())
                    .unwrap_or_else(|_| l.to_owned())
            });
        let body = resp.bytes().await.unwrap_or_default();
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (
            status,
            location,
            Seen {
                status: status.as_u16(),
                json,
                set_cookies,
            },
        )
    }

    /// The request's `Cookie` header for `url` from this browser's jar.
    pub fn cookie_header(&self, url: &str) -> String {
        let u = url::Url::parse(url).expect("url");
        self.jar
            .get(&Self::host_key(&u))
            .map(|c| {
                c.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    }

    /// One form POST with this browser's cookies; no redirect following.
    pub async fn post_form(
        &mut self,
        url: &str,
        fields: &[(&str, &str)],
    ) -> (reqwest::StatusCode, Option<String>, Seen) {
        self.send(url, Some(fields)).await
    }

    /// The body of a GET as text (for HTML pages), with this browser's cookies.
    pub async fn get_text(&mut self, url: &str) -> (u16, String) {
        let u = url::Url::parse(url).expect("url");
        let cookies = self.cookie_header(url);
        let mut rb = self.client.get(u.clone());
        if !cookies.is_empty() {
            rb = rb.header(reqwest::header::COOKIE, cookies);
        }
        let resp = rb
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e:?}"));
        let status = resp.status().as_u16();
        self.store_cookies(&u, &resp);
        (status, resp.text().await.unwrap_or_default())
    }

    /// Logs out at the OP: its end-session page (`url`, with or without the
    /// RP's parameters) and the confirmation form it shows, submitted with
    /// `logout=yes`. Returns where the OP sends the browser afterwards.
    pub async fn confirm_op_logout(&mut self, url: &str) -> Option<String> {
        let (status, page) = self.get_text(url).await;
        assert_eq!(status, 200, "end-session page: {page}");
        let attr = |name: &str| {
            let at = page
                .find(&format!("{name}=\""))
                .unwrap_or_else(|| panic!("no {name} in {page}"));
            let rest = &page[at + name.len() + 2..];
            rest[..rest.find('"').expect("closing quote")].replace("&amp;", "&")
        };
        let action = attr("action");
        let xsrf = {
            let at = page.find("name=\"xsrf\"").expect("xsrf field");
            let rest = &page[at..];
            let v = rest.find("value=\"").expect("xsrf value") + 7;
            rest[v..v + rest[v..].find('"').expect("quote")].to_owned()
        };
        let base = url::Url::parse(url).expect("url");
        let action = base.join(&action).expect("action url").to_string();
        let (status, location, seen) = self
            .post_form(&action, &[("xsrf", &xsrf), ("logout", "yes")])
            .await;
        assert!(status.is_redirection(), "logout confirm: {status} {seen:?}");
        location
    }

    /// Starts a login at `app` and follows the provider's redirects until
    /// the browser is sent back to `app`'s callback; returns that callback URL
    /// without requesting it. `login_hint` picks the OP user.
    pub async fn until_callback(&mut self, app: &str, login_hint: &str) -> String {
        let (status, location, seen) = self.get(&format!("{app}/login")).await;
        assert_eq!(status.as_u16(), 303, "login must answer 303: {seen:?}");
        let mut next = location.expect("login redirect location");
        next.push_str(&format!("&login_hint={login_hint}"));
        for _ in 0..20 {
            if next.starts_with(app) {
                return next;
            }
            let (_, location, seen) = self.get(&next).await;
            next = location.unwrap_or_else(|| panic!("OP stopped redirecting: {seen:?}"));
        }
        panic!("too many redirects");
    }

    /// A whole login: the callback's response.
    pub async fn login(&mut self, app: &str, login_hint: &str) -> Seen {
        let callback = self.until_callback(app, login_hint).await;
        self.get(&callback).await.2
    }
}

/// Runs `scenario` once per example app, each with a fresh OP and app.
pub async fn for_each_app<F, Fut>(
    client_id: &str,
    client_secret: Option<&str>,
    extra_env: &[(&str, &str)],
    scenario: F,
) where
    F: Fn(Op, App) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for name in apps() {
        let (port, redirect) = App::reserve();
        let op = Op::start(&[redirect]).await;
        let config = AppConfig {
            issuer: op.issuer.clone(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.map(String::from),
            extra_env: extra_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        let app = App::start(&name, port, &config).await;
        eprintln!("scenario against {name}");
        scenario(op, app).await;
    }
}

/// A running `examples/authorization-server`.
#[derive(Debug)]
pub struct AuthServer {
    /// Its issuer, `http://127.0.0.1:<port>`.
    pub issuer: String,
    child: Child,
}

impl AuthServer {
    /// Starts the example authorization server with one client and two users
    /// (`alice`/`alice-pw` with role `admin`, `bob`/`bob-pw` with role `user`).
    pub async fn start(
        client_id: &str,
        secret: Option<&str>,
        redirect_uris: &[&str],
    ) -> AuthServer {
        Self::start_on(free_port(), client_id, secret, redirect_uris, &[]).await
    }

    /// Starts it on `port` with extra env (e.g. the optional social login).
    pub async fn start_on(
        port: u16,
        client_id: &str,
        secret: Option<&str>,
        redirect_uris: &[&str],
        extra_env: &[(&str, &str)],
    ) -> AuthServer {
        let bin = target_dir().join("debug").join("authorization-server");
        assert!(
            bin.exists(),
            "authorization-server is not built (cargo build -p authorization-server)"
        );
        let bind = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(&bin);
        cmd.env("SESAME_BIND", &bind)
            .env_remove("SESAME_ISSUER")
            .env("SESAME_CLIENT_ID", client_id)
            .env("SESAME_CLIENT_SECRET", secret.unwrap_or(""))
            .env("SESAME_REDIRECT_URIS", redirect_uris.join(","))
            .env("SESAME_USERS", "alice:alice-pw:admin,bob:bob-pw:user");
        // Extra env comes last, so it may set the issuer too.
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start authorization-server");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(&bind).await.is_err() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "authorization-server did not listen"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        AuthServer {
            issuer: format!("http://{bind}"),
            child,
        }
    }

    /// Stops it.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Runs a Node script from `xtask/oidc-provider` (where the pinned npm
/// packages live); returns (success, combined output).
pub async fn node(script: &str, args: &[&str]) -> (bool, String) {
    node_with(script, args, &[]).await
}

/// [`node`] with extra environment.
pub async fn node_with(script: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new("node")
        .arg(script)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(workspace_root().join("xtask/oidc-provider"))
        .output()
        .await
        .expect("run node");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Where a test saves what a person should be able to look at afterwards
/// (screenshots): `target/e2e-artifacts/{name}`, emptied first.
pub fn artifacts_dir(name: &str) -> PathBuf {
    let dir = target_dir().join("e2e-artifacts").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the artifacts directory");
    dir
}

/// Runs `browser.mjs` (headless Debian Chromium through playwright-core)
/// against the app at `base` with `env` (`SCENARIOS`, `OP_PATH`, …), saving
/// screenshots in `screenshots`. Returns each scenario's JSON line, and the
/// whole output for failure messages.
pub async fn browser(
    base: &str,
    screenshots: &std::path::Path,
    env: &[(&str, &str)],
) -> (Vec<serde_json::Value>, String) {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "Debian's chromium is not installed (apt-get install chromium; .ci/run does it)"
    );
    let out = Command::new("node")
        .arg("browser.mjs")
        .env("BASE", base)
        .env("SCREENSHOTS", screenshots)
        .envs(env.iter().copied())
        .current_dir(workspace_root().join("xtask/oidc-provider"))
        .kill_on_drop(true)
        .output()
        .await
        .expect("run node browser.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let text = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let results = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (results, text)
}

/// Waits (up to 10 s) until something accepts connections on 127.0.0.1:`port`.
pub async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// GETs `url` and parses the body as JSON (panics otherwise: test helper).
pub async fn get_json(http: &reqwest::Client, url: &str) -> serde_json::Value {
    let body = http
        .get(url)
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Starts the `sesame-demo` binary on a free port with `env`; returns the
/// process (killed on drop) and its base URL once it accepts connections.
pub async fn start_demo(env: &[(&str, &str)]) -> (Child, String) {
    let bin = target_dir().join("debug/sesame-demo");
    assert!(
        bin.exists(),
        "sesame-demo is not built (cargo build -p sesame-demo)"
    );
    let port = free_port();
    let child = Command::new(bin)
        .env("SESAME_BIND", format!("127.0.0.1:{port}"))
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start sesame-demo");
    wait_for_port(port).await;
    (child, format!("http://127.0.0.1:{port}"))
}

/// Fills Sesame's login form at `authorize_url` as a user would; returns
/// the status and `Location` of the login POST and the page it answered.
pub async fn fill_login_form(
    client: &reqwest::Client,
    authorize_url: &str,
    username: &str,
    password: &str,
) -> (u16, Option<String>, String) {
    let page = client.get(authorize_url).send().await.expect("authorize");
    let cookie = page
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sesame-csrf="))
        .map(|c| c.split(';').next().unwrap_or("").to_owned())
        .unwrap_or_default();
    let html = page.text().await.unwrap_or_default();
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        html.split_once(&marker)
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(v, _)| v.replace("&amp;", "&"))
            .unwrap_or_default()
    };
    let login_url = url::Url::parse(authorize_url)
        .and_then(|u| u.join("login"))
        .expect("login url");
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("authorization", field("authorization")),
            ("csrf", field("csrf")),
            ("username", username.into()),
            ("password", password.into()),
        ])
        .finish();
    let resp = client
        .post(login_url)
        .header(reqwest::header::COOKIE, cookie)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .expect("login post");
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    (status, location, resp.text().await.unwrap_or_default())
}

/// Signs in to the demo as `user` through Sesame's login page (the demo's
/// own client) and returns the access token its signed-in page shows.
pub async fn demo_token(base: &str, user: &str, password: &str) -> String {
    let http = http_client();
    let base = base.to_owned();

    let mut b = Browser::new(http.clone());
    let (_, location, _) = b
        .get(&format!("{base}/auth/sesame/login?return_to=/"))
        .await;
    let (status, location, _) = fill_login_form(&http, &location.unwrap(), user, password).await;
    assert_eq!(status, 303);
    // The callback answers the signed-in page with the token in it.
    let callback = location.unwrap();
    let u = url::Url::parse(&callback).unwrap();
    let key = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap());
    let cookies: String = b
        .jar
        .get(&key)
        .map(|c| {
            c.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    let page = http
        .get(&callback)
        .header("cookie", cookies)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("Signed in as <span id=\"user\">{user}</span>")),
        "{page}"
    );
    page.split_once("<pre id=\"token\">")
        .unwrap()
        .1
        .split_once("</pre>")
        .unwrap()
        .0
        .to_owned()
}
