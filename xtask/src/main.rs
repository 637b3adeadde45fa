//! `cargo xtask <task>`: what plain `cargo test` cannot do alone.
//!
//! * `test`  — everything CI runs: formatting, clippy, docs, every test
//!   (including the end-to-end suite against a real OpenID Provider).
//!   The core and the server are tested (and linted) a second time on the
//!   optional aws-lc-rs crypto backend.
//! * `lint`  — formatting, clippy and docs only.
//! * `providers` — regenerates `docs/providers.md` from the catalog;
//!   `providers --check` fails when the file is stale (CI runs it).
//! * `bench` — criterion benchmarks: bearer validation (core vs raw ring
//!   vs jsonwebtoken), protected vs unprotected routes, and `/token` on
//!   MemoryStore vs Redis vs Redis Cluster (real redis-server processes),
//!   in one run; then bearer validation and signing again with sesame-core
//!   on aws-lc-rs, next to raw aws-lc-rs and raw ring.
//! * `bench --instructions [--update]` — the core's hot paths counted in
//!   instructions under callgrind against `xtask/hot-paths/baseline.json`
//!   (fails on a rise over 10 %; `cargo xtask test` runs it too).
//! * `bench --memory [--quick]` — server memory per pending login and per
//!   session, flat RSS over 10⁶ logins, then Redis's own memory per login,
//!   per pending code and per session (`cargo xtask test` runs the quick
//!   form, without Redis).
//! * `bench --peers [--quick]` — the login callback of Sesame against
//!   stock fastapi-sso and an Axum + `oauth2` app on one mock IdP (release
//!   builds, pinned cores); writes the table into `docs/benchmarks.md`
//!   (`--quick`: short runs, prints only); then `/token` of Sesame's
//!   authorization server against panva's oidc-provider (code + PKCE,
//!   refresh rotation, client_credentials), a second table
//!   (`--token-only`: that part alone).
//! * `bench --peers --callgrind` — the two Rust login apps under callgrind:
//!   instructions per login, which do not move with the machine's load.
//! * `e2e`   — only the end-to-end suite (installs the OP's npm packages,
//!   builds the example apps first).

use std::process::{Command, ExitCode};

mod instructions;
mod memory;
mod peers;

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
        && clippy_on_aws_lc_rs()
        && fuzz_targets_compile()
        && core_is_sans_io()
        && providers(true)
}

/// The fuzz crate sits outside the workspace (cargo-fuzz builds it with
/// its own flags), so the workspace's clippy does not see it: a change to
/// the core's API is checked against the fuzz targets here. `.ci/run`
/// builds them for fuzzing anyway, after the tests, so under `CI` this
/// check is left to that build (one fuzz build on CI's small disk).
fn fuzz_targets_compile() -> bool {
    if std::env::var_os("CI").is_some() {
        return true;
    }
    let manifest = workspace_root().join("fuzz/Cargo.toml");
    run(
        "cargo",
        &[
            "check",
            "--manifest-path",
            &manifest.to_string_lossy(),
            "--bins",
        ],
        &[("RUSTC_BOOTSTRAP", "1")],
    )
}

/// The crates that take the crypto backend feature, and the benches that
/// measure it, linted with it on.
fn clippy_on_aws_lc_rs() -> bool {
    cargo(&[
        "clippy",
        "-p",
        "sesame-core",
        "-p",
        "sesame-server",
        "-p",
        "sesame-e2e",
        "--all-targets",
        "--features",
        "aws-lc-rs",
        "--",
        "-D",
        "warnings",
    ])
}

/// Every test of the core and the server again on the aws-lc-rs backend
/// (the same vectors must pass on both).
fn test_on_aws_lc_rs() -> bool {
    cargo(&[
        "test",
        "-p",
        "sesame-core",
        "-p",
        "sesame-server",
        "--features",
        "aws-lc-rs",
    ])
}

/// `sesame-core`, `sesame-server` and the blocking example must not depend
/// on any async I/O crate.
fn core_is_sans_io() -> bool {
    ["sesame-core", "sesame-server", "blocking-login"]
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

/// Installs the certified OP's npm packages (npm ci from the lockfile) unless they are there.
fn install_op() -> bool {
    let op = workspace_root().join("xtask/oidc-provider");
    let installed = ["oidc-provider", "openid-client", "playwright-core"]
        .iter()
        .all(|p| op.join("node_modules").join(p).exists());
    if !installed {
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
    true
}

/// Installs the certified OP (npm ci from the lockfile) and builds the apps.
fn prepare_e2e() -> bool {
    if !install_op() {
        return false;
    }
    if !authlib_venv() {
        return false;
    }
    let mut args = vec!["build", "-p", "authorization-server", "-p", "sesame-demo"];
    for app in E2E_APPS {
        args.extend(["-p", app]);
    }
    cargo(&args)
}

/// The pinned Authlib the interop tests drive, in `target/authlib-venv`.
fn authlib_venv() -> bool {
    python_venv("authlib") && python_venv("schemathesis")
}

/// A venv in `target/<name>-venv` with the pins of `xtask/<name>/requirements.txt`
/// (Authlib for the interop tests, schemathesis for the API property tests),
/// made again only when the pins change.
fn python_venv(name: &str) -> bool {
    let root = workspace_root();
    let venv = root.join(format!("target/{name}-venv"));
    let python = venv.join("bin/python");
    let requirements = root.join(format!("xtask/{name}/requirements.txt"));
    let stamp = venv.join("requirements.txt");
    let current = std::fs::read(&requirements).ok();
    if python.exists() && current.is_some() && std::fs::read(&stamp).ok() == current {
        return true;
    }
    let venv_s = venv.to_string_lossy().into_owned();
    let ok = run("python3", &["-m", "venv", &venv_s], &[])
        && run(
            &python.to_string_lossy(),
            &[
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                &requirements.to_string_lossy(),
            ],
            &[],
        );
    if ok {
        let _ = std::fs::copy(&requirements, &stamp);
    } else {
        eprintln!("xtask: could not create the {name} venv (is python3-venv installed?)");
    }
    ok
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
        && cargo(&["test", "--workspace", "--doc"])
        && test_on_aws_lc_rs()
        && instructions::run(false)
        && memory::run(true);
    print_e2e_report();
    ok
}

/// The providers table, generated from `sesame_providers::catalog()`.
fn providers_markdown() -> String {
    use sesame_core::provider::ClientAuth;
    let mut out = String::from(
        "# Providers\n\n\
         <!-- Generated by `cargo xtask providers` from crates/sesame-providers; do not edit by hand. -->\n\n\
         Every provider is `sesame_providers::<constructor>`; register the redirect URL \
         `https://<your-app>/auth/<id>/callback` (or wherever you nest the routes) at the provider.\n\n\
         | provider | id | kind | PKCE | client auth | identity fields | register | constructor |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let entries = sesame_providers::catalog();
    for e in &entries {
        let p = &e.provider;
        let auth = match p.client_auth {
            ClientAuth::Basic => "client_secret_basic",
            ClientAuth::Post => "client_secret_post",
            ClientAuth::None => "none (public, PKCE)",
            _ => "other",
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} | {} | `{}` |\n",
            p.name,
            p.id,
            e.kind.label(),
            if p.pkce { "S256" } else { "no" },
            auth,
            e.fields.join(", "),
            e.register.replace('|', "\\|"),
            e.constructor.replace('|', "\\|"),
        ));
    }
    out.push_str(&format!("\n{} providers.\n", entries.len()));
    out
}

fn providers(check: bool) -> bool {
    let path = workspace_root().join("docs/providers.md");
    let fresh = providers_markdown();
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if check {
        if current == fresh {
            eprintln!("xtask: docs/providers.md is current");
            true
        } else {
            eprintln!("xtask: docs/providers.md is stale: run `cargo xtask providers`");
            false
        }
    } else {
        std::fs::write(&path, fresh).is_ok()
    }
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let ok = match task.as_str() {
        "test" => test(),
        "lint" => lint(),
        "e2e" => e2e(),
        "bench" if std::env::args().any(|a| a == "--memory") => {
            memory::run(std::env::args().any(|a| a == "--quick"))
        }
        "bench" if std::env::args().any(|a| a == "--instructions") => {
            instructions::run(std::env::args().any(|a| a == "--update"))
        }
        "bench"
            if std::env::args().any(|a| a == "--peers")
                && std::env::args().any(|a| a == "--callgrind") =>
        {
            peers::callgrind()
        }
        "bench" if std::env::args().any(|a| a == "--peers") => peers::run(
            std::env::args().any(|a| a == "--quick"),
            std::env::args().any(|a| a == "--token-only"),
        ),
        "bench" => {
            cargo(&[
                "bench",
                "-p",
                "sesame-e2e",
                "--bench",
                "bearer_validation",
                "--bench",
                "protected_route",
                "--bench",
                "dpop",
            ]) && {
                // The authorization server on core 0, its Redis on core 1
                // (as on its own host); MemoryStore gets the same one core.
                std::env::set_var("SESAME_BENCH_CPUS", "0");
                std::env::set_var("SESAME_REDIS_CPUS", "1");
                let ok = cargo(&["bench", "-p", "sesame-e2e", "--bench", "token_endpoint"]);
                std::env::remove_var("SESAME_BENCH_CPUS");
                std::env::remove_var("SESAME_REDIS_CPUS");
                ok
            } && cargo(&[
                "bench",
                "-p",
                "sesame-e2e",
                "--features",
                "aws-lc-rs",
                "--bench",
                "bearer_validation",
            ])
        }
        "providers" => providers(std::env::args().nth(2).as_deref() == Some("--check")),
        _ => {
            eprintln!("usage: cargo xtask <test|lint|e2e|bench [--instructions [--update] | --memory [--quick] | --peers [--quick] [--token-only] | --peers --callgrind]|providers [--check]>");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
