//! `cargo xtask bench --memory [--quick]`: memory per pending login, per
//! session, and RSS over many logins (`xtask/hot-paths/src/bin/login-memory.rs`,
//! release build). Fails when abandoned or whole logins make the RSS grow
//! past the first tenth of the run by more than [`FLAT_SLACK`] — a leak or
//! a per-login table. `cargo xtask test` runs the quick form (2 × 10⁵
//! logins); the full run is 10⁶ logins and 10⁵ server-side sessions, then
//! Redis's own memory per record (`crates/sesame-e2e/benches/redis_memory.rs`,
//! a real `redis-server` on loopback; skipped without one).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// RSS growth tolerated after the first tenth of a run (allocator noise).
const FLAT_SLACK: u64 = 1 << 20;

fn samples(report: &Value, name: &str) -> Vec<(u64, u64)> {
    report[name]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["logins"].as_u64().unwrap_or(0),
                        s["rss"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the RSS stayed flat after the first tenth; prints the samples.
fn flat(label: &str, samples: &[(u64, u64)]) -> bool {
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    let line: Vec<String> = samples
        .iter()
        .map(|(n, rss)| format!("{n}: {:.1}", mib(*rss)))
        .collect();
    eprintln!("  {label} — RSS (MiB) by logins: {}", line.join(", "));
    let Some(&(_, warm)) = samples.get(1) else {
        return false;
    };
    let peak = samples.iter().skip(1).map(|(_, r)| *r).max().unwrap_or(0);
    let grew = peak.saturating_sub(warm);
    if grew > FLAT_SLACK {
        eprintln!(
            "xtask: {label}: RSS grew {:.2} MiB after the first tenth",
            mib(grew)
        );
        return false;
    }
    true
}

/// Builds and runs `login-memory`; `quick` is the short form for CI.
pub fn run(quick: bool) -> bool {
    if !crate::cargo(&[
        "build",
        "--release",
        "-p",
        "hot-paths",
        "--bin",
        "login-memory",
    ]) {
        return false;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"));
    let (logins, sessions) = if quick {
        ("200000", "20000")
    } else {
        ("1000000", "100000")
    };
    let started = std::time::Instant::now();
    let out = match Command::new(target.join("release/login-memory"))
        .args([logins, sessions])
        .output()
    {
        Ok(o) if o.status.success() => o.stdout,
        Ok(o) => {
            eprintln!(
                "xtask: login-memory failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            return false;
        }
        Err(e) => {
            eprintln!("xtask: login-memory: {e}");
            return false;
        }
    };
    let Ok(report) = serde_json::from_slice::<Value>(&out) else {
        eprintln!("xtask: login-memory printed no report");
        return false;
    };
    eprintln!(
        "xtask: memory ({logins} logins, {sessions} server-side sessions, {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let num = |k: &str| report[k].as_f64().unwrap_or(f64::NAN);
    eprintln!(
        "  server state per pending login: {:.2} bytes of RSS (the browser carries a {}-byte cookie)",
        num("rss_bytes_per_pending_login"),
        num("pending_login_cookie_bytes")
    );
    eprintln!(
        "  server-side session: {} bytes of key + sealed record, {} bytes of RSS in the memory store; its cookie {} bytes",
        num("server_session_record_bytes"),
        num("server_session_rss_bytes"),
        num("server_session_reference_cookie_bytes")
    );
    eprintln!(
        "  cookie-stored session: a {}-byte cookie, 0 bytes on the server",
        num("session_cookie_bytes_cookie_storage")
    );
    let abandoned = flat(
        "abandoned logins",
        &samples(&report, "abandoned_logins_rss_samples"),
    );
    let whole = flat(
        "whole logins (cookie sessions)",
        &samples(&report, "rss_samples"),
    );
    if !quick && !crate::cargo(&["bench", "-p", "sesame-e2e", "--bench", "redis_memory"]) {
        return false;
    }
    abandoned && whole
}
