//! `cargo xtask <task>`: what plain `cargo test` cannot do alone.
//!
//! * `test`  — everything CI runs: formatting, clippy, docs, every test.
//! * `lint`  — formatting, clippy and docs only.

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

/// `sesame-core` must not depend on any I/O crate.
fn core_is_sans_io() -> bool {
    let out = Command::new("cargo")
        .args([
            "tree",
            "-p",
            "sesame-core",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
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
        eprintln!("xtask: sesame-core is sans-IO");
        true
    } else {
        eprintln!("xtask: sesame-core depends on I/O crates: {found:?}");
        false
    }
}

fn test() -> bool {
    lint()
        && cargo(&["test", "--workspace", "--all-targets"])
        && cargo(&["test", "--workspace", "--doc"])
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let ok = match task.as_str() {
        "test" => test(),
        "lint" => lint(),
        _ => {
            eprintln!("usage: cargo xtask <test|lint>");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
