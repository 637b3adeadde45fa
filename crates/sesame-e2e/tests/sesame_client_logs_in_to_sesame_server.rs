//! Sesame on both sides: the generic OpenID Connect provider (the client
//! flow of sesame-core, driven by sesame-reqwest) signs in against Sesame's
//! own authorization server, directly, through pushed requests (PAR,
//! required by the server), with DPoP (required by the server, with and
//! without server nonces), and with `private_key_jwt` keys the client
//! publishes at its `jwks_uri` and rotates; plus the login page's
//! refusals over HTTP.
use std::sync::Arc;
use std::time::SystemTime;

use sesame_core::client::{CallbackParams, Client, ClientConfig};
use sesame_core::dpop::ProofKey;
use sesame_core::jose::Algorithm;
use sesame_core::protocol::Endpoint;
use sesame_core::provider::Provider;
use sesame_core::step::Outgoing;
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

/// What the server's introspection endpoint says about `token`.
async fn introspect(issuer: &str, token: &str) -> serde_json::Value {
    let resp = http_client()
        .post(format!("{issuer}/introspect"))
        .basic_auth("web", Some("web-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("token", token)
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    serde_json::from_str(&resp.text().await.unwrap()).unwrap()
}

/// GET userinfo with a DPoP proof of `key` (retrying a nonce refusal
/// once), or as a plain bearer token without one.
async fn userinfo(
    sesame: &Sesame,
    endpoint: &str,
    key: Option<&ProofKey>,
    token: &str,
) -> http::Response<Vec<u8>> {
    let rng = ring::rand::SystemRandom::new();
    let mut nonce: Option<String> = None;
    for attempt in 0..2 {
        let mut request = http::Request::get(endpoint).body(Vec::new()).unwrap();
        match key {
            Some(key) => sesame_core::dpop::authorize_request(
                &mut request,
                key,
                token,
                SystemTime::now(),
                &rng,
                nonce.as_deref(),
            )
            .unwrap(),
            None => {
                request
                    .headers_mut()
                    .insert("authorization", format!("Bearer {token}").parse().unwrap());
            }
        }
        let response = sesame
            .send(Outgoing::new(Endpoint::Userinfo, request))
            .await
            .unwrap();
        match sesame_core::dpop::nonce_retry(&response) {
            Some(n) if key.is_some() && attempt == 0 => nonce = Some(n.to_owned()),
            _ => return response,
        }
    }
    unreachable!("the loop returns")
}

/// DPoP on both sides: the server requires it (`env`); a client with a
/// proof key logs in, gets tokens bound to its key, calls userinfo with a
/// proof, refreshes with one; the bound token as a bearer token is refused.
async fn dpop_between_sesame_client_and_server(env: &[(&str, &str)], nonces: bool) {
    let redirect = "http://127.0.0.1:9/cb";
    let server =
        AuthServer::start_on(free_port(), "web", Some("web-secret"), &[redirect], env).await;
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let jkt = key.thumbprint().to_owned();
    let client = Client::new(
        Provider::openid("sesame", "Sesame", &server.issuer)
            .unwrap()
            .scopes(["openid", "api:read"]),
        ClientConfig::new("web", redirect.parse().unwrap())
            .secret("web-secret")
            .dpop(key),
    )
    .unwrap();
    let service = sesame_core::login::LoginService::new(sesame_core::seal::Sealer::new(
        sesame_core::seal::SealingKey::from_bytes([4; 32]),
    ))
    .provider(client.clone());
    let sesame = Sesame::new().unwrap();
    let meta = sesame.metadata(&client).await.unwrap();

    // The login: (pushed) request, the form, callback (code → DPoP tokens → userinfo).
    let redirect_to = sesame.start_login(&service, "sesame", None).await.unwrap();
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
    let login = outcome.result.expect("the DPoP login completes");
    assert_eq!(login.identity.id, "alice");
    assert_eq!(login.tokens.token_type, "DPoP");
    assert_eq!(
        login.identity.raw["role"], "admin",
        "userinfo (called with a proof) answered"
    );

    // The access token is bound to the client's key.
    let at = login.tokens.access_token.expose().to_owned();
    let info = introspect(&server.issuer, &at).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["cnf"]["jkt"], jkt.as_str(), "{info}");
    assert_eq!(info["token_type"], "DPoP", "{info}");

    // Userinfo: with nonces on, a proof without one is refused with the
    // nonce to use (the login, the refresh and the calls below met and
    // passed that refusal).
    let endpoint = meta
        .userinfo_endpoint
        .clone()
        .expect("userinfo")
        .to_string();
    let mut bare = http::Request::get(&endpoint).body(Vec::new()).unwrap();
    sesame_core::dpop::authorize_request(
        &mut bare,
        client.config().dpop_key().unwrap(),
        &at,
        SystemTime::now(),
        &ring::rand::SystemRandom::new(),
        None,
    )
    .unwrap();
    let answer = sesame
        .send(Outgoing::new(Endpoint::Userinfo, bare))
        .await
        .unwrap();
    assert_eq!(
        sesame_core::dpop::nonce_retry(&answer).is_some(),
        nonces,
        "{}",
        answer.status()
    );
    // With a proof it answers; the bound token as a bearer token is refused.
    let ok = userinfo(&sesame, &endpoint, client.config().dpop_key(), &at).await;
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = serde_json::from_slice(ok.body()).unwrap();
    assert_eq!(body["sub"], "alice");
    let bearer = userinfo(&sesame, &endpoint, None, &at).await;
    assert_eq!(bearer.status(), 401);
    let body: serde_json::Value = serde_json::from_slice(bearer.body()).unwrap();
    assert_eq!(body["error"], "invalid_token");

    // Refresh with a proof: new tokens, bound to the same key.
    let claims = login.tokens.id_token_claims.clone().expect("validated");
    let rt = login.tokens.refresh_token.clone().expect("refresh token");
    let refreshed = sesame.refresh(&client, &rt, Some(&claims)).await.unwrap();
    assert_eq!(refreshed.token_type, "DPoP");
    assert_ne!(refreshed.access_token, login.tokens.access_token);
    let info = introspect(&server.issuer, refreshed.access_token.expose()).await;
    assert_eq!(info["cnf"]["jkt"], jkt.as_str(), "{info}");
    let ok = userinfo(
        &sesame,
        &endpoint,
        client.config().dpop_key(),
        refreshed.access_token.expose(),
    )
    .await;
    assert_eq!(ok.status(), 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_bound_tokens_between_sesame_client_and_server() {
    dpop_between_sesame_client_and_server(&[("SESAME_REQUIRE_DPOP", "1")], false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_nonces_between_sesame_client_and_server() {
    dpop_between_sesame_client_and_server(
        &[
            ("SESAME_REQUIRE_DPOP", "1"),
            // base64url of 32 bytes: every proof needs the server's nonce.
            (
                "SESAME_DPOP_NONCE_KEY",
                "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk",
            ),
        ],
        true,
    )
    .await;
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
