//! Property-based API testing: schemathesis (PyPI, pinned in
//! `xtask/schemathesis/requirements.txt`, in the venv `cargo xtask test`
//! makes) generates requests from the demo's OpenAPI document and checks
//! every response — no 5xx, status codes, content types, headers and
//! bodies as documented — once without a token and once with a valid one.
use std::process::Command;

use sesame_e2e::*;

fn schemathesis() -> std::path::PathBuf {
    workspace_root().join("target/schemathesis-venv/bin/st")
}

fn run(base: &str, headers: &[String]) -> (bool, String) {
    let mut cmd = Command::new(schemathesis());
    cmd.current_dir(workspace_root().join("target")); // its .schemathesis/ cache goes there
    cmd.arg("run")
        .arg(format!("{base}/openapi.json"))
        .args([
            "--checks",
            "all",
            "--max-examples",
            "40",
            "--seed",
            "20261202",
        ])
        .args(["--request-timeout", "5"])
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_HOOKS", "");
    for h in headers {
        cmd.args(["-H", h]);
    }
    let out = cmd
        .output()
        .expect("run schemathesis (cargo xtask test makes its venv)");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_and_with_a_token_every_response_is_as_documented() {
    assert!(
        schemathesis().exists(),
        "schemathesis is not installed: cargo xtask test makes target/schemathesis-venv"
    );
    let (_demo, base) = start_demo(&[("RUST_LOG", "warn")]).await;
    let (ok, out) = tokio::task::block_in_place(|| run(&base, &[]));
    assert!(ok, "schemathesis without a token:\n{out}");
    let token = demo_token(&base, "bob", "bob-password").await;
    let (ok, out) =
        tokio::task::block_in_place(|| run(&base, &[format!("Authorization: Bearer {token}")]));
    assert!(ok, "schemathesis with bob's token:\n{out}");
    let cases = out
        .lines()
        .find(|l| l.contains("generated"))
        .unwrap_or("")
        .trim()
        .to_owned();
    report(&format!(
        "schemathesis on the demo's API, with a token: {cases}"
    ));
}
