//! `cargo xtask <task>`: what plain `cargo test` cannot do alone.
//!
//! * `test`  — everything CI runs: formatting, clippy, docs, every test
//!   (including the end-to-end suite against a real OpenID Provider).
//! * `lint`  — formatting, clippy and docs only.
//! * `e2e`   — only the end-to-end suite (installs the OP's npm packages,
//!   builds the example apps first).

use std::process::{Command, ExitCode};

fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> bool {
    eprintln!("xtask: {program} {}", args.join(" "));
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    match cmd.status() {
        Ok(s) => s.success(),
        Err(e) => {
            eprintln!("xtask: could not run {program}: {e}");
            false
        }
    }
}

fn cargo(args: &[&str]) -> bool {
    run("cargo", args, &[])
}

fn lint() -> bool {
    cargo(&["fmt", "--all", "--", "--check"])
        && cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        && run(
            "cargo",
            &["doc", "--workspace", "--no-deps"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        )
        && core_is_sans_io()
}

/// `sesame-core` and the blocking example must not depend on any async I/O crate.
fn core_is_sans_io() -> bool {
    ["sesame-core", "blocking-login"]
        .iter()
        .all(|p| no_async_io(p))
}

fn no_async_io(package: &str) -> bool {
    let out = Command::new("cargo")
        .args(["tree", "-p", package, "-e", "normal", "--prefix", "none"])
        .output();
    let Ok(out) = out else { return false };
    let tree = String::from_utf8_lossy(&out.stdout);
    let banned = ["tokio ", "hyper ", "reqwest ", "axum ", "poem "];
    let found: Vec<&str> = banned
        .iter()
        .copied()
        .filter(|b| tree.lines().any(|l| l.starts_with(b)))
        .collect();
    if found.is_empty() {
        eprintln!("xtask: {package} has no tokio/hyper/reqwest/axum/poem in its tree");
        true
    } else {
        eprintln!("xtask: {package} depends on {found:?}");
        false
    }
}

/// The example apps the end-to-end suite drives as black boxes.
const E2E_APPS: &[&str] = &["axum-oidc-login", "poem-oidc-login", "blocking-login"];

fn workspace_root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Installs the certified OP (npm ci from the lockfile) and builds the apps.
fn prepare_e2e() -> bool {
    let op = workspace_root().join("xtask/oidc-provider");
    if !op.join("node_modules/oidc-provider").exists() {
        eprintln!("xtask: npm ci in {}", op.display());
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&op)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            eprintln!("xtask: npm ci failed (is Node.js installed?)");
            return false;
        }
    }
    let mut args = vec!["build"];
    for app in E2E_APPS {
        args.extend(["-p", app]);
    }
    cargo(&args)
}

fn e2e() -> bool {
    let apps = E2E_APPS.join(",");
    prepare_e2e()
        && run(
            "cargo",
            &["test", "-p", "sesame-e2e"],
            &[("SESAME_E2E_APPS", &apps)],
        )
}

fn print_e2e_report() {
    let path = workspace_root().join("target/e2e-report.txt");
    if let Ok(text) = std::fs::read_to_string(&path) {
        eprintln!("xtask: end-to-end report\n{text}");
    }
}

fn test() -> bool {
    let apps = E2E_APPS.join(",");
    let _ = std::fs::remove_file(workspace_root().join("target/e2e-report.txt"));
    let ok = lint()
        && prepare_e2e()
        && run(
            "cargo",
            &["test", "--workspace", "--all-targets"],
            &[("SESAME_E2E_APPS", &apps)],
        )
        && cargo(&["test", "--workspace", "--doc"]);
    print_e2e_report();
    ok
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let ok = match task.as_str() {
        "test" => test(),
        "lint" => lint(),
        "e2e" => e2e(),
        _ => {
            eprintln!("usage: cargo xtask <test|lint|e2e>");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
