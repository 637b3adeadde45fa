//! Confidential (Basic, RS256), confidential (ES256), client_secret_post,
//! public (PKCE only) and private_key_jwt clients log in against the real
//! OP — the last also under the FAPI 2.0 client profile (PAR, DPoP).
use sesame_e2e::*;

async fn check(client_id: &str, secret: Option<&str>, env: &[(&str, &str)], user: &str) {
    for_each_app(client_id, secret, env, |op, app| async move {
        let mut browser = Browser::new(http_client());
        let seen = browser.login(&app.base, user).await;
        assert_eq!(seen.status, 200, "{}: {:?}", app.name, seen.json);
        let id = &seen.json;
        assert_eq!(id["provider"], "op");
        assert_eq!(id["id"], user);
        assert_eq!(id["email"], format!("{user}@example.test"));
        assert_eq!(id["email_verified"], true);
        assert_eq!(id["name"], format!("User {user}"));
        // The login cookie is cleared by the callback.
        assert!(seen
            .set_cookies
            .iter()
            .any(|c| c.starts_with("sesame-login-") && c.contains("Max-Age=0")));
        app.stop().await;
        op.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_client_secret_basic_rs256() {
    check("conf-client", Some("conf-secret"), &[], "ada").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_client_es256_id_tokens() {
    check("conf-es256", Some("conf-secret"), &[], "grace").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_client_secret_post() {
    check(
        "conf-post",
        Some("conf-secret"),
        &[("SESAME_CLIENT_AUTH", "client_secret_post")],
        "edsger",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_client_with_pkce_only() {
    check("pub-client", None, &[], "barbara").await;
}

/// `private_key_jwt`: the client holds an ES256 key whose public JWK the
/// certified OP has registered; no shared secret exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidential_client_private_key_jwt() {
    private_key_jwt_logins(&[], &[], false).await;
}

/// The FAPI 2.0 client profile (`SESAME_PROFILE=fapi2`) at the certified
/// OP: `private_key_jwt`, every request pushed (the OP requires PAR), `iss`
/// in the response, tokens bound with DPoP to the login's own key, and
/// the OP's DPoP nonces at every endpoint; userinfo through the session
/// with a proof.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fapi2_client_with_private_key_jwt_par_and_dpop() {
    let app_env = [("SESAME_PROFILE", "fapi2"), ("SESAME_DPOP", "per-login")];
    let op_env = [("OP_REQUIRE_PAR", "1"), ("OP_DPOP_NONCE", "1")];
    private_key_jwt_logins(&app_env, &op_env, true).await;
}

/// Each app logs ada in as `pkjwt-client`, whose public key (RFC 7515 A.3)
/// the OP has registered, with `app_env` and the OP started with `op_env`;
/// with `fapi2`, the login must have been pushed and DPoP-bound, and
/// userinfo through the session must answer.
async fn private_key_jwt_logins(app_env: &[(&str, &str)], op_env: &[(&str, &str)], fapi2: bool) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../sesame-core/tests/vectors/rfc7515.json")).unwrap();
    let mut private = vectors["a3_es256"]["jwk"].clone();
    private["kid"] = "pkjwt-1".into();
    private["alg"] = "ES256".into();
    let mut public = private.clone();
    public.as_object_mut().unwrap().remove("d");
    let jwks = serde_json::json!({"keys": [public]}).to_string();
    let dir = artifacts_dir("pkjwt");
    let key_file = dir.join("client-key.json");
    std::fs::write(&key_file, private.to_string()).unwrap();
    for name in apps() {
        let (port, redirect) = App::reserve();
        let mut env = vec![("OP_CLIENT_JWKS", jwks.as_str())];
        env.extend_from_slice(op_env);
        let op = Op::start_with(&[redirect], &env).await;
        let mut extra_env = vec![
            ("SESAME_CLIENT_AUTH".into(), "private_key_jwt".into()),
            (
                "SESAME_CLIENT_KEY_FILE".into(),
                key_file.to_string_lossy().into_owned(),
            ),
        ];
        extra_env.extend(
            app_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let config = AppConfig {
            issuer: op.issuer.clone(),
            client_id: "pkjwt-client".into(),
            client_secret: None,
            extra_env,
        };
        let app = App::start(&name, port, &config).await;
        let mut browser = Browser::new(http_client());
        let seen = browser.login(&app.base, "ada").await;
        assert_eq!(seen.status, 200, "{name}: {:?}", seen.json);
        assert_eq!(seen.json["id"], "ada");
        if fapi2 {
            let stats = op.stats().await;
            assert_eq!(stats["pushed"]["success"], 1, "{name}: {stats}");
            let bound = &stats["dpop_grants"]["authorization_code"];
            assert_eq!(bound, 1, "{name}: {stats}");
            let (status, _, seen) = browser.get(&format!("{}/userinfo", app.base)).await;
            assert_eq!(status.as_u16(), 200, "{name}: {seen:?}");
            assert_eq!(seen.json["sub"], "ada");
        }
        app.stop().await;
        op.stop().await;
    }
}
