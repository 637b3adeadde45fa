//! panva's certified `openid-client` against Sesame's authorization server
//! (`examples/authorization-server`): discovery, code + PKCE through the
//! login form, ID-token and access-token validation, userinfo, refresh,
//! introspection and revocation; pushed authorization requests (RFC 9126)
//! offered, and required with `SESAME_REQUIRE_PAR=1`.
use sesame_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_and_public_clients() {
    interop(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_pushed_requests_required() {
    interop(&[("SESAME_REQUIRE_PAR", "1")]).await;
}

async fn interop(env: &[(&str, &str)]) {
    for (client, secret) in [("web", Some("web-secret")), ("spa", None)] {
        let redirect = "http://127.0.0.1:9/cb";
        let server = AuthServer::start_on(free_port(), client, secret, &[redirect], env).await;
        let (ok, out) = node(
            "interop-client.mjs",
            &[
                &server.issuer,
                client,
                secret.unwrap_or("-"),
                redirect,
                "alice",
                "alice-pw",
            ],
        )
        .await;
        assert!(ok && out.contains("interop: ok"), "{client}:\n{out}");
        server.stop().await;
    }
}
