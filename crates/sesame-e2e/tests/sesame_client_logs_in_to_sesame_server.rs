//! Sesame on both sides: the generic OpenID Connect provider (the client
//! flow of sesame-core, driven by sesame-reqwest) signs in against Sesame's
//! own authorization server, directly and through pushed requests (PAR,
//! required by the server), and with `private_key_jwt` keys the client
//! publishes at its `jwks_uri` and rotates; plus the login page's
//! refusals over HTTP.
use std::sync::Arc;
use std::time::SystemTime;

use sesame_core::client::{CallbackParams, Client, ClientConfig};
use sesame_core::provider::Provider;
use sesame_e2e::*;
use sesame_reqwest::Sesame;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_oidc_client_against_sesame_server() {
    let redirect = "http://127.0.0.1:9/cb";
    let server = AuthServer::start("web", Some("web-secret"), &[redirect]).await;
    let client = Client::new(
        Provider::openid("sesame", "Sesame", &server.issuer)
            .unwrap()
            .scopes(["openid", "api:read"]),
        ClientConfig::new("web", redirect.parse().unwrap()).secret("web-secret"),
    )
    .unwrap();
    let sesame = Sesame::new().unwrap();
    let meta = sesame.metadata(&client).await.unwrap();
    let auth = client
        .begin(
            &meta,
            None,
            SystemTime::now(),
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
    let (status, location, _) =
        fill_login_form(&http_client(), auth.url.as_str(), "alice", "alice-pw").await;
    assert_eq!(status, 303);
    let callback = url::Url::parse(&location.unwrap()).unwrap();
    let params = CallbackParams::from_query(callback.query().unwrap()).unwrap();
    let (exchange, first) = client
        .callback(
            Arc::clone(&meta),
            &params,
            auth.pending,
            SystemTime::now(),
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
    let login = sesame.drive_login(exchange, first).await.unwrap();
    assert_eq!(login.identity.id, "alice");
    assert_eq!(
        login.identity.raw["role"], "admin",
        "the app's claims reach the client"
    );
    let refreshed = sesame
        .refresh(
            &client,
            login.tokens.refresh_token.as_ref().unwrap(),
            login.tokens.id_token_claims.as_ref(),
        )
        .await
        .unwrap();
    assert_eq!(refreshed.id_token_claims.unwrap().subject, "alice");
    server.stop().await;
}

/// PAR on both sides: the server requires pushed requests; the login
/// service, driven by sesame-reqwest, pushes (authenticated with the
/// secret) and the browser carries only the reference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_requests_between_sesame_client_and_server() {
    let redirect = "http://127.0.0.1:9/cb";
    let server = AuthServer::start_on(
        free_port(),
        "web",
        Some("web-secret"),
        &[redirect],
        &[("SESAME_REQUIRE_PAR", "1")],
    )
    .await;
    let client = Client::new(
        Provider::openid("sesame", "Sesame", &server.issuer)
            .unwrap()
            .scopes(["openid", "api:read"]),
        ClientConfig::new("web", redirect.parse().unwrap()).secret("web-secret"),
    )
    .unwrap();
    let service = sesame_core::login::LoginService::new(sesame_core::seal::Sealer::new(
        sesame_core::seal::SealingKey::from_bytes([3; 32]),
    ))
    .provider(client.clone());
    let sesame = Sesame::new().unwrap();
    let meta = sesame.metadata(&client).await.unwrap();
    assert!(meta.require_pushed_authorization_requests);
    let redirect_to = sesame
        .start_login(&service, "sesame", Some("/after"))
        .await
        .unwrap();
    let names: Vec<String> = redirect_to
        .location
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect();
    assert_eq!(names, ["client_id", "request_uri"]);
    let (status, location, _) = fill_login_form(
        &http_client(),
        redirect_to.location.as_str(),
        "alice",
        "alice-pw",
    )
    .await;
    assert_eq!(status, 303);
    let callback = url::Url::parse(&location.unwrap()).unwrap();
    let cookie = redirect_to.set_cookie.split(';').next().unwrap().to_owned();
    let outcome = sesame
        .callback(
            &service,
            "sesame",
            callback.query(),
            None,
            [cookie.as_str()],
        )
        .await;
    let login = outcome.result.expect("the pushed login completes");
    assert_eq!(login.identity.id, "alice");
    assert_eq!(login.return_to.as_deref(), Some("/after"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_page_refusals_over_http() {
    let redirect = "http://127.0.0.1:9/cb";
    let server = AuthServer::start("web", Some("web-secret"), &[redirect]).await;
    let http = http_client();
    let authorize = |extra: &str| {
        format!(
            "{}/authorize?response_type=code&client_id=web&redirect_uri={}&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256{extra}",
            server.issuer,
            url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
        )
    };
    // Wrong password: the form again with 401, never a redirect.
    let (status, location, page) = fill_login_form(&http, &authorize(""), "alice", "wrong").await;
    assert_eq!((status, location), (401, None));
    assert!(page.contains("Wrong username or password"));
    // An unregistered redirect_uri: a 400 page, not a redirect.
    let resp = http
        .get(authorize("").replace("redirect_uri=http", "redirect_uri=https"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.headers().get("location").is_none());
    // Oversized, non-UTF-8 and duplicated parameters: 4xx, never 5xx.
    for q in [
        authorize(&format!("&login_hint={}", "x".repeat(10_240))),
        authorize("&x=%ff"),
        authorize("&state=again"),
    ] {
        let s = http.get(q).send().await.unwrap().status().as_u16();
        assert!((400..500).contains(&s), "{s}");
    }
    // A login POST without the CSRF cookie is refused.
    let resp = http
        .post(format!("{}/login", server.issuer))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("authorization=x&csrf=y&username=alice&password=alice-pw")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    server.stop().await;
}

/// `private_key_jwt` by `jwks_uri` on both sides: the app serves its
/// `ClientConfig::public_jwks` at a local `jwks_uri`, the example server
/// (`SESAME_CLIENT_JWKS_URI`) fetches it once, and when the client
/// announces a new key and signs with it, the server refetches exactly
/// once; a key never published is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_key_jwt_client_rotates_keys_published_at_its_jwks_uri() {
    use sesame_core::client::AssertionKeys;
    use sesame_core::jose::{Algorithm, SigningKey};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    let redirect = "http://127.0.0.1:9/cb";
    let (_, old_pkcs8) = SigningKey::generate(Algorithm::ES256, "app-key-1").unwrap();
    let (_, new_pkcs8) = SigningKey::generate(Algorithm::ES256, "app-key-2").unwrap();
    let old = || SigningKey::from_pkcs8(Algorithm::ES256, &old_pkcs8, "app-key-1").unwrap();
    let new = || SigningKey::from_pkcs8(Algorithm::ES256, &new_pkcs8, "app-key-2").unwrap();
    let config = |keys: AssertionKeys| {
        ClientConfig::new("pk-app", redirect.parse().unwrap()).private_key_jwt_keys(keys)
    };

    // The app's jwks_uri, counting its fetches.
    let published = Arc::new(Mutex::new(serde_json::Value::Null));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (p, f) = (Arc::clone(&published), Arc::clone(&fetches));
    let jwks_app = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let (p, f) = (Arc::clone(&p), Arc::clone(&f));
            async move {
                f.fetch_add(1, Ordering::SeqCst);
                axum::Json(p.lock().unwrap().clone())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_uri = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, jwks_app).await });

    let server = AuthServer::start_on(
        free_port(),
        "pk-app",
        None,
        &[redirect],
        &[("SESAME_CLIENT_JWKS_URI", &jwks_uri)],
    )
    .await;
    let provider = || {
        Provider::openid("sesame", "Sesame", &server.issuer)
            .unwrap()
            .scopes(["openid", "api:read"])
    };
    let sesame = Sesame::new().unwrap();

    // Before the rotation: the old key signs and is the only one published.
    let before = config(AssertionKeys::new(old()));
    *published.lock().unwrap() = before.public_jwks().unwrap();
    let client = Client::new(provider(), before).unwrap();
    let meta = sesame.metadata(&client).await.unwrap();
    let auth = client
        .begin(
            &meta,
            None,
            SystemTime::now(),
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
    let (status, location, _) =
        fill_login_form(&http_client(), auth.url.as_str(), "alice", "alice-pw").await;
    assert_eq!(status, 303);
    let callback = url::Url::parse(&location.unwrap()).unwrap();
    let params = CallbackParams::from_query(callback.query().unwrap()).unwrap();
    let (exchange, first) = client
        .callback(
            Arc::clone(&meta),
            &params,
            auth.pending,
            SystemTime::now(),
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
    let login = sesame.drive_login(exchange, first).await.unwrap();
    assert_eq!(login.identity.id, "alice");
    let refreshed = sesame
        .refresh(&client, login.tokens.refresh_token.as_ref().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "one fetch for both requests"
    );

    // The rotation: the next key is announced, then it signs.
    let announced = config(AssertionKeys::new(old()).publish(new()));
    *published.lock().unwrap() = announced.public_jwks().unwrap();
    let switched =
        Client::new(provider(), config(AssertionKeys::new(new()).publish(old()))).unwrap();
    let after = sesame
        .refresh(&switched, refreshed.refresh_token.as_ref().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        2,
        "the new kid costs exactly one refetch"
    );

    // A key that was never published is refused, without another fetch.
    let (stranger, _) = SigningKey::generate(Algorithm::ES256, "app-key-3").unwrap();
    let stranger = Client::new(provider(), config(AssertionKeys::new(stranger))).unwrap();
    let refused = sesame
        .refresh(&stranger, after.refresh_token.as_ref().unwrap(), None)
        .await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    // The client with the published key still refreshes.
    sesame
        .refresh(&switched, after.refresh_token.as_ref().unwrap(), None)
        .await
        .unwrap();
    server.stop().await;
}
