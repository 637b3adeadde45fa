//! panva's certified `openid-client` against Sesame's authorization server
//! (`examples/authorization-server`): discovery, code + PKCE through the
//! login form, ID-token and access-token validation, userinfo, refresh,
//! introspection and revocation; pushed authorization requests (RFC 9126)
//! offered, and required with `SESAME_REQUIRE_PAR=1`; DPoP-bound tokens
//! (RFC 9449, with and without server nonces); `private_key_jwt` under the
//! FAPI 2.0 profile.
use sesame_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_and_public_clients() {
    interop(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_pushed_requests_required() {
    interop(&[("SESAME_REQUIRE_PAR", "1")]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dpop_bound_tokens_required() {
    interop_with(&[("SESAME_REQUIRE_DPOP", "1")], &[("INTEROP_DPOP", "1")]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dpop_server_nonces() {
    interop_with(
        &[
            ("SESAME_REQUIRE_DPOP", "1"),
            (
                "SESAME_DPOP_NONCE_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            ),
        ],
        &[("INTEROP_DPOP", "1")],
    )
    .await;
}

/// FAPI 2.0: PAR, DPoP and `private_key_jwt` (an ES256 key whose public
/// half the server reads from `SESAME_CLIENT_JWKS_FILE`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_private_key_jwt_and_dpop_under_fapi2() {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../sesame-core/tests/vectors/rfc7515.json")).unwrap();
    let mut private = vectors["a3_es256"]["jwk"].clone();
    private["kid"] = "fapi-client-1".into();
    private["alg"] = "ES256".into();
    let mut public = private.clone();
    public.as_object_mut().unwrap().remove("d");
    let dir = artifacts_dir("fapi2-interop");
    let jwks_file = dir.join("client-jwks.json");
    std::fs::write(
        &jwks_file,
        serde_json::json!({"keys": [public]}).to_string(),
    )
    .unwrap();
    let redirect = "http://127.0.0.1:9/cb";
    let jwks_path = jwks_file.to_string_lossy().into_owned();
    let server = AuthServer::start_on(
        free_port(),
        "fapi",
        None,
        &[redirect],
        &[
            ("SESAME_PROFILE", "fapi2"),
            ("SESAME_CLIENT_JWKS_FILE", &jwks_path),
        ],
    )
    .await;
    let private = private.to_string();
    let (ok, out) = node_with(
        "interop-client.mjs",
        &[&server.issuer, "fapi", "-", redirect, "alice", "alice-pw"],
        &[("INTEROP_CLIENT_KEY", &private), ("INTEROP_DPOP", "1")],
    )
    .await;
    assert!(ok && out.contains("interop: ok"), "fapi2:\n{out}");
    for line in [
        "PAR required: a plain authorization request is refused",
        "DPoP: the access token is bound to the proof key (cnf.jkt)",
        "introspection: active token",
    ] {
        assert!(out.contains(line), "missing {line:?}:\n{out}");
    }
    server.stop().await;
}

async fn interop(env: &[(&str, &str)]) {
    interop_with(env, &[]).await;
}

async fn interop_with(env: &[(&str, &str)], client_env: &[(&str, &str)]) {
    for (client, secret) in [("web", Some("web-secret")), ("spa", None)] {
        let redirect = "http://127.0.0.1:9/cb";
        let server = AuthServer::start_on(free_port(), client, secret, &[redirect], env).await;
        let (ok, out) = node_with(
            "interop-client.mjs",
            &[
                &server.issuer,
                client,
                secret.unwrap_or("-"),
                redirect,
                "alice",
                "alice-pw",
            ],
            client_env,
        )
        .await;
        assert!(ok && out.contains("interop: ok"), "{client}:\n{out}");
        server.stop().await;
    }
}
