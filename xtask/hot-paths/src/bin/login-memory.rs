//! Memory per login and per session: `login-memory [logins] [sessions]`.
//!
//! `cargo xtask bench --memory` runs it (release build) and prints what it
//! measures, as one JSON object on stdout:
//!
//! * **Pending logins hold no server state.** A login's secrets (state,
//!   nonce, PKCE verifier) are sealed into the browser's cookie; nothing
//!   keeps a map of logins. `logins` logins are started (each with its own
//!   state) and never finished, as abandoned logins are: the RSS they add,
//!   per login, and the cookie the browser carries instead.
//! * **Flat RSS over `logins` whole logins** (default 10⁶): start, seal,
//!   open, callback, token response, ID token (RS256) checked, userinfo,
//!   identity, session made and saved as a sealed cookie (no server
//!   record). RSS is read from `/proc/self/status` every tenth of the run.
//! * **Bytes per server-side session**: `sessions` sessions (default
//!   10⁵) saved with server-side storage into a `MemorySessionStore`: the
//!   key and sealed record each writes, and the RSS they add.
//!
//! A fixed clock and seeded generators; the provider's ID token is signed
//! once, in setup (every whole login has the same state and nonce).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use sesame_core::client::{
    CallbackParams, Client, ClientConfig, Exchange as _, PendingLogin, Step,
};
use sesame_core::discovery::ProviderMetadata;
use sesame_core::jose::{JwkSet, SigningKey};
use sesame_core::provider::Provider;
use sesame_core::random::SeededRandom;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::session::{
    LinkDecision, MemorySessionStore, SessionConfig, SessionStorage, Sessions,
};

const ISS: &str = "https://op.example";
const CLIENT_ID: &str = "client-1";

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// The process's resident set, in bytes (`VmRSS` of `/proc/self/status`).
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn json_response(body: &Value) -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(body.to_string().into_bytes());
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

struct Setup {
    client: Client,
    meta: Arc<ProviderMetadata>,
    keys: JwkSet,
    sealer: Sealer,
    token_body: Value,
    userinfo: Value,
    query: String,
}

fn setup() -> Result<Setup, String> {
    let vectors: Value = serde_json::from_str(include_str!(
        "../../../../crates/sesame-core/tests/vectors/rfc7515.json"
    ))
    .map_err(|e| e.to_string())?;
    let key = SigningKey::from_jwk(&vectors["a2_rs256"]["jwk"], "k1").map_err(|e| e.to_string())?;
    let keys = JwkSet::parse(json!({"keys": [key.public_jwk()]}).to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    let meta_doc = json!({
        "issuer": ISS,
        "authorization_endpoint": format!("{ISS}/authorize"),
        "token_endpoint": format!("{ISS}/token"),
        "userinfo_endpoint": format!("{ISS}/userinfo"),
        "jwks_uri": format!("{ISS}/jwks"),
        "authorization_response_iss_parameter_supported": true,
        "code_challenge_methods_supported": ["S256"],
    });
    let meta = Arc::new(
        ProviderMetadata::from_json(ISS, meta_doc.to_string().as_bytes())
            .map_err(|e| e.to_string())?,
    );
    let redirect = "https://app.example/auth/op/callback"
        .parse()
        .map_err(|_| "url")?;
    let client = Client::new(
        Provider::openid("op", "OP", ISS).map_err(|e| e.to_string())?,
        ClientConfig::new(CLIENT_ID, redirect).secret("s3cret"),
    )
    .map_err(|e| e.to_string())?;
    // The same seed every time: the same state and nonce, so the ID token
    // is signed once, here.
    let probe = client
        .begin(&meta, Some("/home"), now(), &SeededRandom::new(5))
        .map_err(|e| e.to_string())?;
    let param = |name: &str| {
        probe
            .url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (state, nonce) = (param("state"), param("nonce"));
    let t = 1_700_000_000u64;
    let claims = json!({"iss": ISS, "sub": "user-1", "aud": CLIENT_ID, "exp": t + 300, "iat": t,
        "nonce": nonce, "email": "ada@example.com", "email_verified": true, "name": "Ada"});
    let id_token = key
        .sign_claims(Some("JWT"), claims.as_object().ok_or("claims")?)
        .map_err(|e| e.to_string())?;
    Ok(Setup {
        client,
        meta,
        keys,
        sealer: Sealer::new(SealingKey::from_bytes([9; 32])),
        token_body: json!({"access_token": "at-123", "token_type": "Bearer", "expires_in": 3600,
            "refresh_token": "rt-1", "scope": "openid email profile", "id_token": id_token}),
        userinfo: json!({"sub": "user-1", "email": "ada@example.com", "email_verified": true,
            "name": "Ada"}),
        query: format!("code=the-code&state={state}&iss=https%3A%2F%2Fop.example"),
    })
}

/// One whole login after the redirect: its pending-login cookie, and the login.
fn login(s: &Setup) -> Result<(String, sesame_core::client::Login), String> {
    let auth = s
        .client
        .begin(&s.meta, Some("/home"), now(), &SeededRandom::new(5))
        .map_err(|e| e.to_string())?;
    let cookie = auth
        .pending
        .seal(&s.sealer, now(), &SeededRandom::new(6))
        .map_err(|e| e.to_string())?;
    let pending = PendingLogin::open(&s.sealer, Some(&cookie), now()).map_err(|e| e.to_string())?;
    let params = CallbackParams::from_query(black_box(&s.query)).map_err(|e| e.to_string())?;
    let (mut exchange, _request) = s
        .client
        .callback(
            Arc::clone(&s.meta),
            &params,
            pending,
            now(),
            &SeededRandom::new(7),
        )
        .map_err(|e| e.to_string())?;
    let mut step = exchange
        .on_response(json_response(&s.token_body), now())
        .map_err(|e| e.to_string())?;
    let login = loop {
        step = match step {
            Step::NeedKeys(_) => exchange
                .on_keys(&s.keys, now())
                .map_err(|e| e.to_string())?,
            Step::Send(_) => exchange
                .on_response(json_response(&s.userinfo), now())
                .map_err(|e| e.to_string())?,
            Step::Done(login) => break login,
        };
    };
    Ok((cookie, login))
}

fn run(logins: u64, sessions: u64) -> Result<Value, String> {
    let s = setup()?;

    // Abandoned logins: started, sealed into a cookie, never called back.
    let step = (logins / 10).max(1);
    let mut pending_samples = vec![json!({"logins": 0, "rss": rss()})];
    let pending_before = rss();
    for i in 1..=logins {
        let auth = s
            .client
            .begin(&s.meta, Some("/home"), now(), &SeededRandom::new(i))
            .map_err(|e| e.to_string())?;
        let cookie = auth
            .pending
            .seal(&s.sealer, now(), &SeededRandom::new(i))
            .map_err(|e| e.to_string())?;
        black_box((auth.url, cookie));
        if i % step == 0 {
            pending_samples.push(json!({"logins": i, "rss": rss()}));
        }
    }
    let pending_added = rss().saturating_sub(pending_before);

    // Whole logins, each ending in a session kept as a sealed cookie.
    let cookie_sessions = Sessions::new(
        SessionConfig::default().storage(SessionStorage::Cookie),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    );
    let mut samples = vec![json!({"logins": 0, "rss": rss()})];
    let mut pending_cookie = 0;
    let mut session_cookie = 0;
    for i in 1..=logins {
        let (cookie, login) = login(&s)?;
        let session = cookie_sessions
            .begin(
                &login,
                LinkDecision::NewSession,
                None,
                now(),
                &SeededRandom::new(i),
            )
            .map_err(|e| e.to_string())?;
        let save = cookie_sessions
            .save(&session, now(), &SeededRandom::new(i))
            .map_err(|e| e.to_string())?;
        if save.write.is_some() {
            return Err("a cookie session wrote a server record".into());
        }
        pending_cookie = cookie.len();
        session_cookie = save.set_cookie.len();
        black_box(save);
        if i % step == 0 {
            samples.push(json!({"logins": i, "rss": rss()}));
        }
    }

    // Server-side sessions: one sealed record each in the store.
    let store = MemorySessionStore::new(sessions as usize + 1);
    let server_sessions = Sessions::new(
        SessionConfig::default().storage(SessionStorage::Server),
        Sealer::new(SealingKey::from_bytes([8; 32])),
    );
    let (_, login) = login(&s)?;
    let before = rss();
    let mut written = 0usize;
    let mut reference_cookie = 0;
    for i in 0..sessions {
        let session = server_sessions
            .begin(
                &login,
                LinkDecision::NewSession,
                None,
                now(),
                &SeededRandom::new(i + 1),
            )
            .map_err(|e| e.to_string())?;
        let save = server_sessions
            .save(&session, now(), &SeededRandom::new(i + 1))
            .map_err(|e| e.to_string())?;
        let write = save.write.ok_or("no server record")?;
        written += write.key.len() + write.value.len();
        reference_cookie = save.set_cookie.len();
        store
            .put_now(&write.key, &write.value, write.ttl, now())
            .map_err(|e| e.to_string())?;
    }
    let added = rss().saturating_sub(before);
    let n = sessions.max(1) as f64;
    Ok(json!({
        "abandoned_logins_rss_samples": pending_samples,
        "rss_bytes_per_pending_login": pending_added as f64 / logins.max(1) as f64,
        "pending_login_cookie_bytes": pending_cookie,
        "logins": logins,
        "rss_samples": samples,
        "session_cookie_bytes_cookie_storage": session_cookie,
        "sessions": sessions,
        "server_session_record_bytes": (written as f64 / n).round(),
        "server_session_rss_bytes": (added as f64 / n).round(),
        "server_session_reference_cookie_bytes": reference_cookie,
    }))
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let logins = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let sessions = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    match run(logins, sessions) {
        Ok(report) => {
            println!("{report}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("login-memory: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
