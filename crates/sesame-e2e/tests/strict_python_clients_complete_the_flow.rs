//! Authlib (PyPI, pinned by `xtask/authlib/requirements.txt`, in the venv
//! `cargo xtask test` creates at `target/authlib-venv`) against
//! `examples/authorization-server`: strict metadata validation (which
//! refuses a document without RS256), code + PKCE, the ID token with
//! `at_hash` and nonce, userinfo, refresh and revocation — for a
//! confidential and a public client.
use sesame_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authlib_with_strict_validation() {
    let python = workspace_root().join("target/authlib-venv/bin/python");
    assert!(
        python.exists(),
        "no Authlib venv at {} (cargo xtask test creates it)",
        python.display()
    );
    let script = workspace_root().join("xtask/authlib/interop.py");
    for (client, secret) in [("web", Some("web-secret")), ("spa", None)] {
        let redirect = "http://127.0.0.1:9/cb";
        let server = AuthServer::start(client, secret, &[redirect]).await;
        let out = tokio::process::Command::new(&python)
            .arg(&script)
            .args([
                server.issuer.as_str(),
                client,
                secret.unwrap_or("-"),
                redirect,
                "alice",
                "alice-pw",
            ])
            .output()
            .await
            .expect("run python");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && text.contains("interop: ok"),
            "{client}:\n{text}"
        );
        server.stop().await;
    }
}
