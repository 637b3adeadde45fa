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
    stop: AtomicBool,
    logins: AtomicU64,
    recorded: AtomicU64,
    errors: AtomicU64,
    latencies_us: Mutex<Vec<u64>>,
    first_error: Mutex<Option<String>>,
}

impl Shared {
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
    let mut callback = url::Url::parse(&format!("{app}/callback")).map_err(|e| e.to_string())?;
    callback
        .query_pairs_mut()
        .append_pair("code", code)
        .append_pair("state", &state);
    let recording = shared.recording.load(Ordering::Relaxed);
    let t0 = Instant::now();
    let resp = http
        .get(callback)
        .header(header::COOKIE, cookie)
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

async fn worker(app: String, id: usize, shared: Arc<Shared>) {
    let http = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()
    {
        Ok(h) => h,
        Err(e) => return shared.fail(e.to_string()),
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

async fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let [app, idp, pid, c, warmup, measure] = args else {
        return Err(
            "usage: peer-load run <app> <idp> <pid> <concurrency> <warmup ms> <measure ms>".into(),
        );
    };
    let (pid, c): (u32, usize) = (pid.parse()?, c.parse()?);
    let (warmup, measure): (u64, u64) = (warmup.parse()?, measure.parse()?);
    let ticks = clock_ticks();
    let shared = Arc::new(Shared::default());
    let before_all = idp_stats(idp).await?;
    let workers: Vec<_> = (0..c)
        .map(|i| tokio::spawn(worker(app.clone(), i, Arc::clone(&shared))))
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
    let after_all = idp_stats(idp).await?;
    let delta = |k: &str| {
        after_all[k].as_u64().unwrap_or(0) as f64 - before_all[k].as_u64().unwrap_or(0) as f64
    };
    let logins = shared.logins.load(Ordering::Relaxed) as f64;
    let recorded = shared.recorded.load(Ordering::Relaxed);
    let mut lat = std::mem::take(
        &mut *shared
            .latencies_us
            .lock()
            .unwrap_or_else(|p| p.into_inner()),
    );
    lat.sort_unstable();
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("idp") => idp(args.get(1).map_or("127.0.0.1:0", String::as_str)).await,
        Some("run") => run(&args[1..]).await,
        _ => Err("usage: peer-load idp <bind> | peer-load run …".into()),
    }
}
