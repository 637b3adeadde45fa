//! `cargo run -p sesame-demo`, driven over HTTP: sign in with a password
//! through Sesame's login page, call the protected API, and get 403 on the
//! role-guarded route as a user without the role.
use sesame_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_sign_in_then_api_calls() {
    let (_demo, base) = start_demo(&[]).await;
    let http = http_client();
    let alice = demo_token(&base, "alice", "alice-password").await;
    let bob = demo_token(&base, "bob", "bob-password").await;
    let call = |path: &str, token: &str| {
        let req = http.get(format!("{base}{path}")).bearer_auth(token);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(call("/api/me", &alice).await, 200);
    assert_eq!(call("/api/admin", &alice).await, 200);
    assert_eq!(call("/api/me", &bob).await, 200);
    assert_eq!(call("/api/admin", &bob).await, 403);
    assert_eq!(call("/api/me", "not-a-token").await, 401);

    // A wrong password, for the server's sign-in failures.
    let mut b = Browser::new(http_client());
    let (_, location, _) = b
        .get(&format!("{base}/auth/sesame/login?return_to=/"))
        .await;
    let (status, _, _) = fill_login_form(&http, &location.unwrap(), "alice", "wrong").await;
    assert_eq!(status, 401);

    // The operator's view: counters and latencies in the Prometheus format.
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "sesame_audit_events_total{event=\"login_succeeded\"} 2",
        "sesame_audit_events_total{event=\"session_started\"} 2",
        "sesame_request_duration_seconds_count{route=\"callback\",outcome=\"ok\"} 2",
        "sesame_request_duration_seconds_count{route=\"bearer\",outcome=\"refused\"}",
        // The authorization server's side, in the same process.
        "sesame_audit_events_total{event=\"sign_in_succeeded\"} 2",
        "sesame_audit_events_total{event=\"sign_in_failed\"} 1",
        "sesame_audit_events_total{event=\"token_issued\"} 2",
    ] {
        assert!(
            metrics.contains(line),
            "{line} missing from /metrics:\n{metrics}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_carries_the_security_headers() {
    let (_demo, base) = start_demo(&[]).await;
    let http = http_client();
    for path in [
        "/",
        "/docs/",
        "/docs/index.html",
        "/authorize?client_id=nobody",
        "/style.css",
    ] {
        let resp = http.get(format!("{base}{path}")).send().await.unwrap();
        let h = resp.headers();
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    // The home page is personal once signed in: never stored.
    let home = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.headers()["cache-control"], "no-store");
    // The authorization server's pages keep their stricter policy.
    let page = http
        .get(format!("{base}/authorize?client_id=nobody"))
        .send()
        .await
        .unwrap();
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
}

/// `GET /api/dpop/me` takes only DPoP-bound tokens with their proof: the
/// Swagger client's code, redeemed with a DPoP proof, is bound to the
/// key; its proof for the route passes, a bearer presentation does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dpop_route_takes_bound_tokens_with_their_proof() {
    use sesame_core::dpop::ProofKey;
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let (_demo, base) = start_demo(&[]).await;
    let http = http_client();
    let redirect = format!("{base}/docs/oauth2-redirect.html");
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let authorize = format!(
        "{base}/authorize?response_type=code&client_id=swagger-ui&redirect_uri={}&scope=api:read&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256",
        enc(&redirect)
    );
    let (status, location, _) = fill_login_form(&http, &authorize, "alice", "alice-password").await;
    assert_eq!(status, 303);
    let code = url::Url::parse(&location.unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();

    let key = ProofKey::generate(sesame_core::jose::Algorithm::ES256).unwrap();
    let rng = ring::rand::SystemRandom::new();
    let proof = |method: http::Method, url: &str, token: Option<&str>| {
        key.proof(
            &method,
            &url.parse().unwrap(),
            std::time::SystemTime::now(),
            &rng,
            token,
            None,
        )
        .unwrap()
    };
    let token_url = format!("{base}/token");
    let resp = http
        .post(&token_url)
        .header("dpop", proof(http::Method::POST, &token_url, None))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", redirect.as_str()),
                    ("code_verifier", VERIFIER),
                    ("client_id", "swagger-ui"),
                ])
                .finish(),
        )
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(body["token_type"], "DPoP", "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();

    let route = format!("{base}/api/dpop/me");
    let ok = http
        .get(&route)
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", proof(http::Method::GET, &route, Some(&token)))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let me: serde_json::Value = serde_json::from_slice(&ok.bytes().await.unwrap()).unwrap();
    assert_eq!(me["sub"], "alice");
    assert_eq!(me["claims"]["cnf"]["jkt"], key.thumbprint());

    // As a bearer token, at either route: refused (RFC 9449 §7.2).
    for path in ["/api/dpop/me", "/api/me"] {
        let r = http
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    // A proof for another route, or replayed: refused with the DPoP challenge.
    let other = proof(http::Method::GET, &format!("{base}/api/me"), Some(&token));
    let r = http
        .get(&route)
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.starts_with("DPoP ") && challenge.contains("invalid_dpop_proof"),
        "{challenge}"
    );
}
