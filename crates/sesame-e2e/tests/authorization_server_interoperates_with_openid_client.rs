//! panva's certified `openid-client` against Sesame's authorization server
//! (`examples/authorization-server`): discovery, code + PKCE through the
//! login form, ID-token and access-token validation, userinfo, refresh,
//! introspection and revocation.
use sesame_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_and_public_clients() {
    for (client, secret) in [("web", Some("web-secret")), ("spa", None)] {
        let redirect = "http://127.0.0.1:9/cb";
        let server = AuthServer::start(client, secret, &[redirect]).await;
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
