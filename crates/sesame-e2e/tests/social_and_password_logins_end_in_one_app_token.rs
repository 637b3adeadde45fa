//! "Continue with <provider>" on Sesame's login page: the upstream login
//! (here the real certified OP) ends in the same app authorization code and
//! the same kind of app token as a password login.
use sesame_e2e::*;

fn b64_json(segment: &str) -> serde_json::Value {
    use base64::Engine;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(segment)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn social_login_through_the_login_page() {
    let as_port = free_port();
    let as_issuer = format!("http://127.0.0.1:{as_port}");
    let op = Op::start(&[format!("{as_issuer}/auth/social/callback")]).await;
    let redirect = "http://127.0.0.1:9/cb";
    let server = AuthServer::start_on(
        as_port,
        "web",
        Some("web-secret"),
        &[redirect],
        &[
            ("SESAME_SOCIAL_ISSUER", op.issuer.as_str()),
            ("SESAME_SOCIAL_CLIENT_ID", "conf-client"),
            ("SESAME_SOCIAL_CLIENT_SECRET", "conf-secret"),
        ],
    )
    .await;

    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let authorize = format!(
        "{as_issuer}/authorize?response_type=code&client_id=web&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid%20api%3Aread&state=s1&nonce=n1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
    let mut b = Browser::new(http_client());
    let (status, _, page) = b.get(&authorize).await;
    assert_eq!(status.as_u16(), 200);
    let _ = page;
    // The page's social button.
    let html = http_client()
        .get(&authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let href = html
        .split_once("class=\"sesame-social\" href=\"")
        .unwrap()
        .1
        .split_once('"')
        .unwrap()
        .0
        .replace("&amp;", "&");
    let (status, location, _) = b.get(&format!("{as_issuer}{href}")).await;
    assert_eq!(status.as_u16(), 303, "social login starts");
    let mut next = format!("{}&login_hint=carol", location.unwrap());
    while !next.starts_with(&as_issuer) {
        next = b.get(&next).await.1.expect("OP redirect");
    }
    // Back at Sesame's callback: it answers with the client's redirect and an app code.
    let (status, location, seen) = b.get(&next).await;
    assert_eq!(status.as_u16(), 303, "{seen:?}");
    let back = url::Url::parse(&location.unwrap()).unwrap();
    assert!(back.as_str().starts_with(redirect));
    let q: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(
        (q["state"].as_str(), q["iss"].as_str()),
        ("s1", as_issuer.as_str())
    );

    // The same token endpoint, the same kind of token as a password login.
    let tokens: serde_json::Value = serde_json::from_slice(
        &http_client()
            .post(format!("{as_issuer}/token"))
            .basic_auth("web", Some("web-secret"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("grant_type=authorization_code&code={}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_verifier={verifier}", q["code"]))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    let at = tokens["access_token"].as_str().expect("access token");
    let claims = b64_json(at.split('.').nth(1).unwrap());
    assert_eq!(b64_json(at.split('.').next().unwrap())["typ"], "at+jwt");
    assert_eq!(claims["sub"], "social:carol");
    assert_eq!(claims["idp"], "social");
    assert_eq!(claims["email"], "carol@example.test");
    assert_eq!(claims["iss"], as_issuer);
    server.stop().await;
    op.stop().await;
}
