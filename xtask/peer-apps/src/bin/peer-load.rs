//! The mock IdP and the load generator of `cargo xtask bench --peers`.
//!
//! * `peer-load idp <bind>` — the mock IdP: `POST /token` (authorization
//!   code, client `bench-client`/`bench-secret` by HTTP Basic or in the
//!   form), `GET /userinfo` (the access token it issued, as a bearer
//!   token), `GET /stats` (how many of each it answered).
//! * `peer-load run <app> <idp> <pid> <concurrency> <warmup ms> <measure ms>`
//!   — `concurrency` workers, each with its own keep-alive connection, log
//!   in over and over: `GET /login` (keeps the cookies and reads `state`
//!   from the redirect), then `GET /callback?code=…&state=…` with those
//!   cookies. After the warm-up it measures for the given time: logins/s,
//!   the callback's p50/p99, the app's CPU time (utime + stime of
//!   `/proc/<pid>/stat`) per login; then it lets the logins in flight end
//!   and counts the IdP's calls per completed login over the whole run.
//!   Prints one JSON line.
//! * `peer-load callbacks <app> <idp> <pid> <concurrency> <warmup ms> <measure ms>`
//!   — the callback alone: each worker first begins logins (`GET /login`)
//!   for warm-up + measurement, then, once every worker has its stock,
//!   sends their callbacks; the same JSON line as `run`, its CPU and
//!   latencies the callbacks' only.
//! * `peer-load token <url> <kind> <pid> <concurrency> <warmup ms> <measure ms>`
//!   — the `/token` part: `concurrency` workers, each with its own
//!   keep-alive connection, send `POST /token` as the bench client
//!   (`bench-client`/`bench-secret`, HTTP Basic) over and over. `kind`:
//!   `code` redeems codes minted before anything is timed (from the
//!   server's bench-only `POST /bench/codes?n=N`; a calibration batch
//!   gives the rate after a warm-up batch, then three times what the run needs
//!   is minted);
//!   `refresh` rotates each worker's own refresh token (from one
//!   redemption), always presenting the newest; `client_credentials`
//!   asks for `api:read`. Any answer but 200 is an error. Prints one JSON
//!   line: requests/s, p50/p99 of `/token`, the app's CPU per request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};

#[derive(Default)]
struct Counts {
    token: AtomicU64,
    token_with_pkce: AtomicU64,
    userinfo: AtomicU64,
    rejected: AtomicU64,
}

fn basic_ok(headers: &HeaderMap) -> bool {
    use base64_engine::decode;
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(decode)
        .is_some_and(|creds| {
            // Form-urlencoded per RFC 6749 §2.3.1; the bench's id and secret need no escaping.
            creds == format!("{}:{}", peer_apps::CLIENT_ID, peer_apps::CLIENT_SECRET)
        })
}

/// A tiny standard base64 decoder (the mock needs nothing else of base64).
mod base64_engine {
    pub fn decode(s: &str) -> Option<String> {
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in s.bytes().filter(|&c| c != b'=') {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' | b'-' => 62,
                b'/' | b'_' => 63,
                _ => return None,
            };
            bits = (bits << 6) | u32::from(v);
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
                bits &= (1 << n) - 1;
            }
        }
        String::from_utf8(out).ok()
    }
}

async fn token(
    State(c): State<Arc<Counts>>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let client_ok = basic_ok(&headers)
        || (f.get("client_id").map(String::as_str) == Some(peer_apps::CLIENT_ID)
            && f.get("client_secret").map(String::as_str) == Some(peer_apps::CLIENT_SECRET));
    let code = f.get("code").filter(|c| !c.is_empty());
    let grant_ok = f.get("grant_type").map(String::as_str) == Some("authorization_code")
        && f.contains_key("redirect_uri");
    let (true, true, Some(code)) = (client_ok, grant_ok, code) else {
        c.rejected.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_request"})),
        )
            .into_response();
    };
    c.token.fetch_add(1, Ordering::Relaxed);
    if f.contains_key("code_verifier") {
        c.token_with_pkce.fetch_add(1, Ordering::Relaxed);
    }
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({
            "access_token": format!("at.{code}"),
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "profile email",
        })),
    )
        .into_response()
}

async fn userinfo(State(c): State<Arc<Counts>>, headers: HeaderMap) -> Response {
    let code = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| t.strip_prefix("at."));
    let Some(code) = code else {
        c.rejected.fetch_add(1, Ordering::Relaxed);
        return StatusCode::UNAUTHORIZED.into_response();
    };
    c.userinfo.fetch_add(1, Ordering::Relaxed);
    Json(serde_json::json!({
        "sub": format!("user-{code}"),
        "email": "user@example.org",
        "email_verified": true,
        "name": "Bench User",
        "preferred_username": "bench",
    }))
    .into_response()
}

async fn stats(State(c): State<Arc<Counts>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "token": c.token.load(Ordering::Relaxed),
        "token_with_pkce": c.token_with_pkce.load(Ordering::Relaxed),
        "userinfo": c.userinfo.load(Ordering::Relaxed),
        "rejected": c.rejected.load(Ordering::Relaxed),
    }))
}

async fn idp(bind: &str) -> Result<(), Box<dyn std::error::Error>> {
    let app = Router::new()
        .route("/token", post(token))
        .route("/userinfo", get(userinfo))
        .route("/stats", get(stats))
        .with_state(Arc::new(Counts::default()));
    let listener = tokio::net::TcpListener::bind(bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

/// utime + stime of a process, in seconds.
fn cpu_secs(pid: u32, ticks: f64) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, a)| a).unwrap_or_default();
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // Fields 14 and 15 of proc(5); `after` starts at field 3.
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / ticks
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

#[derive(Default)]
struct Shared {
    recording: AtomicBool,
    /// `callbacks` mode: every worker has its stock; send the callbacks.
    callbacks: AtomicBool,
    stop: AtomicBool,
    logins: AtomicU64,
    recorded: AtomicU64,
    errors: AtomicU64,
    latencies_us: Mutex<Vec<u64>>,
    first_error: Mutex<Option<String>>,
}

impl Shared {
    /// The recorded latencies, sorted (taken out of the shared state).
    fn sorted_latencies(&self) -> Vec<u64> {
        let mut lat =
            std::mem::take(&mut *self.latencies_us.lock().unwrap_or_else(|p| p.into_inner()));
        lat.sort_unstable();
        lat
    }

    fn fail(&self, e: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
        first.get_or_insert(e);
    }
}

async fn one_login(
    http: &reqwest::Client,
    app: &str,
    code: &str,
    shared: &Shared,
) -> Result<(), String> {
    let begun = begin_login(http, app).await?;
    finish_login(http, app, code, begun, shared).await
}

/// A login begun with `GET /login`: the cookies to send back and the
/// `state` of the redirect.
struct Begun {
    cookie: String,
    state: String,
}

async fn begin_login(http: &reqwest::Client, app: &str) -> Result<Begun, String> {
    let resp = http
        .get(format!("{app}/login"))
        .send()
        .await
        .map_err(|e| format!("login: {e}"))?;
    if !resp.status().is_redirection() {
        return Err(format!("login: status {}", resp.status()));
    }
    let cookies: Vec<&str> = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect();
    let cookie = cookies.join("; ");
    let location = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("login: no location")?;
    let location = url::Url::parse(location).map_err(|e| format!("login: location {e}"))?;
    let state = location
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .ok_or("login: no state in the redirect")?;
    Ok(Begun { cookie, state })
}

/// The callback of a begun login, timed (and counted while recording).
async fn finish_login(
    http: &reqwest::Client,
    app: &str,
    code: &str,
    begun: Begun,
    shared: &Shared,
) -> Result<(), String> {
    let mut callback = url::Url::parse(&format!("{app}/callback")).map_err(|e| e.to_string())?;
    callback
        .query_pairs_mut()
        .append_pair("code", code)
        .append_pair("state", &begun.state);
    let recording = shared.recording.load(Ordering::Relaxed);
    let t0 = Instant::now();
    let resp = http
        .get(callback)
        .header(header::COOKIE, begun.cookie)
        .send()
        .await
        .map_err(|e| format!("callback: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| format!("callback: {e}"))?;
    let took = t0.elapsed();
    if status != StatusCode::OK {
        return Err(format!(
            "callback: status {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    }
    if recording && shared.recording.load(Ordering::Relaxed) {
        shared.recorded.fetch_add(1, Ordering::Relaxed);
        let mut l = shared
            .latencies_us
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        l.push(took.as_micros() as u64);
    }
    Ok(())
}

fn load_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()
        .map_err(|e| e.to_string())
}

/// `callbacks` mode: begins logins until `stock_until`, then sends their
/// callbacks one after the other until told to stop; running out of
/// begun logins before that is an error.
async fn callback_worker(app: String, id: usize, shared: Arc<Shared>, stock_until: Instant) {
    let http = match load_client() {
        Ok(h) => h,
        Err(e) => return shared.fail(e),
    };
    let mut stock = Vec::new();
    while Instant::now() < stock_until {
        match begin_login(&http, &app).await {
            Ok(b) => stock.push(b),
            Err(e) => {
                shared.fail(e);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    // Wait for the other workers' stock, so that no `/login` runs while
    // callbacks are timed.
    while !shared.callbacks.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for (n, begun) in stock.into_iter().enumerate() {
        if shared.stop.load(Ordering::Relaxed) {
            return;
        }
        let code = format!("w{id}c{n}");
        match finish_login(&http, &app, &code, begun, &shared).await {
            Ok(()) => {
                shared.logins.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => shared.fail(e),
        }
    }
    if !shared.stop.load(Ordering::Relaxed) {
        shared.fail(format!("worker {id} ran out of begun logins"));
    }
}

async fn worker(app: String, id: usize, shared: Arc<Shared>) {
    let http = match load_client() {
        Ok(h) => h,
        Err(e) => return shared.fail(e),
    };
    let mut n = 0u64;
    while !shared.stop.load(Ordering::Relaxed) {
        n += 1;
        let code = format!("w{id}n{n}");
        match one_login(&http, &app, &code, &shared).await {
            Ok(()) => {
                shared.logins.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                shared.fail(e);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

async fn idp_stats(idp: &str) -> Result<serde_json::Value, String> {
    let r = reqwest::get(format!("{idp}/stats"))
        .await
        .map_err(|e| format!("idp stats: {e}"))?;
    let body = r.bytes().await.map_err(|e| format!("idp stats: {e}"))?;
    serde_json::from_slice(&body).map_err(|e| format!("idp stats: {e}"))
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `run` (`callbacks_only` false) and `callbacks` (true).
async fn run(args: &[String], callbacks_only: bool) -> Result<(), Box<dyn std::error::Error>> {
    let [app, idp, pid, c, warmup, measure] = args else {
        return Err(
            "usage: peer-load run|callbacks <app> <idp> <pid> <concurrency> <warmup ms> <measure ms>"
                .into(),
        );
    };
    let (pid, c): (u32, usize) = (pid.parse()?, c.parse()?);
    let (warmup, measure): (u64, u64) = (warmup.parse()?, measure.parse()?);
    let ticks = clock_ticks();
    let shared = Arc::new(Shared::default());
    let before_all = idp_stats(idp).await?;
    let workers: Vec<_> = if callbacks_only {
        // Begin logins for as long as the callbacks will run: a callback
        // costs more than a `/login`, so the stock outlasts the window.
        let stocking = Duration::from_millis(warmup + measure);
        let until = Instant::now() + stocking;
        let workers = (0..c)
            .map(|i| tokio::spawn(callback_worker(app.clone(), i, Arc::clone(&shared), until)))
            .collect();
        tokio::time::sleep(stocking + Duration::from_millis(500)).await;
        shared.callbacks.store(true, Ordering::Relaxed);
        workers
    } else {
        (0..c)
            .map(|i| tokio::spawn(worker(app.clone(), i, Arc::clone(&shared))))
            .collect()
    };
    tokio::time::sleep(Duration::from_millis(warmup)).await;
    let cpu0 = cpu_secs(pid, ticks);
    shared.recording.store(true, Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_millis(measure)).await;
    shared.recording.store(false, Ordering::Relaxed);
    let secs = t0.elapsed().as_secs_f64();
    let cpu1 = cpu_secs(pid, ticks);
    shared.stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.await;
    }
    let after_all = idp_stats(idp).await?;
    let delta = |k: &str| {
        after_all[k].as_u64().unwrap_or(0) as f64 - before_all[k].as_u64().unwrap_or(0) as f64
    };
    let logins = shared.logins.load(Ordering::Relaxed) as f64;
    let recorded = shared.recorded.load(Ordering::Relaxed);
    let lat = shared.sorted_latencies();
    let out = serde_json::json!({
        "concurrency": c,
        "secs": secs,
        "logins": recorded,
        "logins_total": logins,
        "errors": shared.errors.load(Ordering::Relaxed),
        "first_error": *shared.first_error.lock().unwrap_or_else(|p| p.into_inner()),
        "rps": recorded as f64 / secs,
        "p50_us": percentile(&lat, 0.50),
        "p99_us": percentile(&lat, 0.99),
        "cpu_us_per_login": if recorded > 0 { (cpu1 - cpu0) * 1e6 / recorded as f64 } else { 0.0 },
        "token_per_login": if logins > 0.0 { delta("token") / logins } else { 0.0 },
        "userinfo_per_login": if logins > 0.0 { delta("userinfo") / logins } else { 0.0 },
        "pkce_share": if delta("token") > 0.0 { delta("token_with_pkce") / delta("token") } else { 0.0 },
        "idp_rejected": delta("rejected"),
    });
    println!("{out}");
    Ok(())
}

/// A standard base64 encoder (for the bench's HTTP Basic credentials).
fn base64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Code,
    Refresh,
    ClientCredentials,
}

/// Pre-minted authorization codes, handed out once each.
struct Codes {
    codes: Vec<String>,
    next: AtomicU64,
    verifier: String,
    redirect_uri: String,
}

impl Codes {
    fn take(&self) -> Option<&str> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) as usize;
        self.codes.get(i).map(String::as_str)
    }
}

/// `n` fresh codes from the server's bench-only route, in batches.
async fn mint_codes(http: &reqwest::Client, url: &str, n: usize) -> Result<Codes, String> {
    const BATCH: usize = 10_000;
    let mut codes = Vec::with_capacity(n);
    let (mut verifier, mut redirect_uri) = (String::new(), String::new());
    while codes.len() < n {
        let k = (n - codes.len()).min(BATCH);
        let resp = http
            .post(format!("{url}/bench/codes?n={k}"))
            .send()
            .await
            .map_err(|e| format!("minting codes: {e}"))?;
        let status = resp.status();
        let body = resp
            .bytes()
            .await
            .map_err(|e| format!("minting codes: {e}"))?;
        if status != StatusCode::OK {
            return Err(format!(
                "minting codes: status {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            ));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| format!("minting codes: {e}"))?;
        let batch = v["codes"].as_array().ok_or("minting codes: no codes")?;
        codes.extend(batch.iter().filter_map(|c| c.as_str().map(str::to_owned)));
        verifier = v["code_verifier"].as_str().unwrap_or_default().to_owned();
        redirect_uri = v["redirect_uri"].as_str().unwrap_or_default().to_owned();
        if batch.is_empty() {
            return Err("minting codes: an empty batch".into());
        }
    }
    Ok(Codes {
        codes,
        next: AtomicU64::new(0),
        verifier,
        redirect_uri,
    })
}

/// One `POST /token` with the bench client's HTTP Basic credentials; the
/// parsed 200 answer and how long it took (any other status is an error).
async fn token_request(
    http: &reqwest::Client,
    url: &str,
    basic: &str,
    form: String,
) -> Result<(serde_json::Value, Duration), String> {
    let t0 = Instant::now();
    let resp = http
        .post(format!("{url}/token"))
        .header(header::AUTHORIZATION, basic)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .map_err(|e| format!("token: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| format!("token: {e}"))?;
    let took = t0.elapsed();
    if status != StatusCode::OK {
        return Err(format!(
            "token: status {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| format!("token: {e}"))?;
    if !v["access_token"].is_string() {
        return Err("token: no access_token".into());
    }
    Ok((v, took))
}

fn code_form(codes: &Codes, code: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &codes.redirect_uri)
        .append_pair("code_verifier", &codes.verifier)
        .finish()
}

async fn token_worker(
    url: String,
    kind: Kind,
    codes: Arc<Codes>,
    shared: Arc<Shared>,
    requests: Arc<AtomicU64>,
) {
    let http = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()
    {
        Ok(h) => h,
        Err(e) => return shared.fail(e.to_string()),
    };
    let basic = format!(
        "Basic {}",
        base64_encode(format!("{}:{}", peer_apps::CLIENT_ID, peer_apps::CLIENT_SECRET).as_bytes())
    );
    // The refresh kind starts from one redemption of its own (not timed).
    let mut refresh = String::new();
    if kind == Kind::Refresh {
        let Some(code) = codes.take() else {
            return shared.fail("no code for the first refresh token".into());
        };
        match token_request(&http, &url, &basic, code_form(&codes, code)).await {
            Ok((v, _)) => refresh = v["refresh_token"].as_str().unwrap_or_default().to_owned(),
            Err(e) => return shared.fail(e),
        }
        if refresh.is_empty() {
            return shared.fail("the redemption gave no refresh token".into());
        }
    }
    while !shared.stop.load(Ordering::Relaxed) {
        let form = match kind {
            Kind::Code => {
                let Some(code) = codes.take() else {
                    return shared.fail("ran out of pre-minted codes".into());
                };
                code_form(&codes, code)
            }
            Kind::Refresh => url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "refresh_token")
                .append_pair("refresh_token", &refresh)
                .finish(),
            Kind::ClientCredentials => "grant_type=client_credentials&scope=api%3Aread".to_owned(),
        };
        let recording = shared.recording.load(Ordering::Relaxed);
        match token_request(&http, &url, &basic, form).await {
            Ok((v, took)) => {
                if kind == Kind::Refresh {
                    match v["refresh_token"].as_str() {
                        Some(r) => r.clone_into(&mut refresh),
                        None => {
                            shared.fail("a refresh gave no new refresh token".into());
                            return;
                        }
                    }
                }
                requests.fetch_add(1, Ordering::Relaxed);
                if recording && shared.recording.load(Ordering::Relaxed) {
                    shared.recorded.fetch_add(1, Ordering::Relaxed);
                    shared
                        .latencies_us
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(took.as_micros() as u64);
                }
            }
            Err(e) => {
                shared.fail(e);
                if kind == Kind::Refresh {
                    return; // the token chain is broken
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Runs `c` token workers of `kind` for `warmup` + `measure` ms (codes
/// given); the recorded requests, their seconds, the app's CPU seconds.
async fn token_phase(
    url: &str,
    kind: Kind,
    pid: u32,
    c: usize,
    codes: Arc<Codes>,
    warmup: u64,
    measure: u64,
) -> (Arc<Shared>, u64, f64, f64) {
    let ticks = clock_ticks();
    let shared = Arc::new(Shared::default());
    let requests = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..c)
        .map(|_| {
            tokio::spawn(token_worker(
                url.to_owned(),
                kind,
                Arc::clone(&codes),
                Arc::clone(&shared),
                Arc::clone(&requests),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(warmup)).await;
    let cpu0 = cpu_secs(pid, ticks);
    shared.recording.store(true, Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_millis(measure)).await;
    shared.recording.store(false, Ordering::Relaxed);
    let secs = t0.elapsed().as_secs_f64();
    let cpu1 = cpu_secs(pid, ticks);
    shared.stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.await;
    }
    let total = requests.load(Ordering::Relaxed);
    (shared, total, secs, cpu1 - cpu0)
}

/// Redeems all of `codes` with `c` workers; the redemptions per second.
async fn redeem_all(url: &str, c: usize, codes: Codes) -> Result<f64, String> {
    let n = codes.codes.len() as f64;
    let codes = Arc::new(codes);
    let shared = Arc::new(Shared::default());
    let requests = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let workers: Vec<_> = (0..c)
        .map(|_| {
            tokio::spawn(token_worker(
                url.to_owned(),
                Kind::Code,
                Arc::clone(&codes),
                Arc::clone(&shared),
                Arc::clone(&requests),
            ))
        })
        .collect();
    for w in workers {
        let _ = w.await;
    }
    let secs = t0.elapsed().as_secs_f64();
    let done = requests.load(Ordering::Relaxed) as f64;
    if done < n {
        let e = shared
            .first_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if e.as_deref() != Some("ran out of pre-minted codes") || done == 0.0 {
            return Err(format!("calibration: {e:?}"));
        }
    }
    Ok(done / secs)
}

async fn token_bench(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let [url, kind, pid, c, warmup, measure] = args else {
        return Err(
            "usage: peer-load token <url> <code|refresh|client_credentials> <pid> <concurrency> <warmup ms> <measure ms>"
                .into(),
        );
    };
    let kind = match kind.as_str() {
        "code" => Kind::Code,
        "refresh" => Kind::Refresh,
        "client_credentials" => Kind::ClientCredentials,
        other => return Err(format!("unknown kind {other}").into()),
    };
    let (pid, c): (u32, usize) = (pid.parse()?, c.parse()?);
    let (warmup, measure): (u64, u64) = (warmup.parse()?, measure.parse()?);
    let http = reqwest::Client::new();
    let mut minted = 0;
    let codes = match kind {
        Kind::ClientCredentials => Codes {
            codes: Vec::new(),
            next: AtomicU64::new(0),
            verifier: String::new(),
            redirect_uri: String::new(),
        },
        Kind::Refresh => mint_codes(&http, url, c).await?,
        Kind::Code => {
            // Calibration (not reported): two batches redeemed at the run's
            // concurrency, the first to warm the server up (a JIT needs
            // it), the second to learn the rate; then three times what the
            // run needs is minted, before any request is timed. Codes live
            // 60 s at both servers.
            let mut rate = 0.0;
            for batch in [500 + 50 * c, 1000 + 100 * c] {
                rate = redeem_all(url, c, mint_codes(&http, url, batch).await?).await?;
                minted += batch;
            }
            let need = (rate * (warmup + measure) as f64 / 1000.0 * 3.0) as usize + 200 * c;
            let need = need.min(3_000_000);
            minted += need;
            mint_codes(&http, url, need).await?
        }
    };
    let (shared, total, secs, cpu) =
        token_phase(url, kind, pid, c, Arc::new(codes), warmup, measure).await;
    let recorded = shared.recorded.load(Ordering::Relaxed);
    let lat = shared.sorted_latencies();
    let out = serde_json::json!({
        "concurrency": c,
        "secs": secs,
        "requests": recorded,
        "requests_total": total,
        "codes_minted": minted,
        "errors": shared.errors.load(Ordering::Relaxed),
        "first_error": *shared.first_error.lock().unwrap_or_else(|p| p.into_inner()),
        "rps": recorded as f64 / secs,
        "p50_us": percentile(&lat, 0.50),
        "p99_us": percentile(&lat, 0.99),
        "cpu_us_per_request": if recorded > 0 { cpu * 1e6 / recorded as f64 } else { 0.0 },
    });
    println!("{out}");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("idp") => idp(args.get(1).map_or("127.0.0.1:0", String::as_str)).await,
        Some("run") => run(&args[1..], false).await,
        Some("callbacks") => run(&args[1..], true).await,
        Some("token") => token_bench(&args[1..]).await,
        _ => Err("usage: peer-load idp <bind> | peer-load run … | peer-load token …".into()),
    }
}
