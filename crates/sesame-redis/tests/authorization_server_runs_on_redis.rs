//! The authorization server itself on `RedisStore`: a code is redeemed, a
//! refresh token rotated, introspected and revoked through the real
//! endpoints — on a single Redis and on a cluster.

mod support;

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{json, Value};
use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, RegisteredClient, ServerConfig, StaticUsers, Store,
};
use support::{both, hash, secs, Env};

const ISSUER: &str = "https://as.example";
const REDIRECT: &str = "https://app.example/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const WEB: Option<(&str, &str)> = Some(("web", "web-secret"));

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

fn post(path: &str, pairs: &[(&str, &str)], basic: Option<(&str, &str)>) -> http::Request<Vec<u8>> {
    let mut b = http::Request::post(format!("{ISSUER}{path}"))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        use base64::Engine;
        let creds = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        b = b.header("authorization", format!("Basic {creds}"));
    }
    b.body(form(pairs)).unwrap()
}

fn body(resp: &http::Response<Vec<u8>>) -> Value {
    serde_json::from_slice(resp.body()).unwrap()
}

struct Setup {
    server: Arc<AuthorizationServer>,
    service: AuthServerService,
    store: Arc<dyn Store>,
    rng: ring::rand::SystemRandom,
}

fn setup(env: &Env) -> Setup {
    let rng = ring::rand::SystemRandom::new();
    let config = ServerConfig::new(ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::new(
            "web",
            Some("web-secret"),
            &[REDIRECT],
        ));
    let key = SigningKey::generate(Algorithm::ES256, "as-key-1")
        .unwrap()
        .0;
    let server = Arc::new(AuthorizationServer::new(config, key));
    let store: Arc<dyn Store> = env.store.clone();
    let sealer = Sealer::new(SealingKey::generate(&rng).unwrap().0);
    let service = AuthServerService::new(
        Arc::clone(&server),
        Arc::clone(&store),
        Arc::new(StaticUsers::default()),
        sealer,
    );
    Setup {
        server,
        service,
        store,
        rng,
    }
}

impl Setup {
    /// The user approves: the code in the redirect.
    async fn code(&self, now: SystemTime) -> String {
        let query = format!(
            "response_type=code&client_id=web&redirect_uri={}&scope=openid%20api:read&state=st-1&nonce=n-1&code_challenge={CHALLENGE}&code_challenge_method=S256",
            url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
        );
        let req = self.server.authorize(&query).unwrap();
        let claims = json!({"role": "admin"}).as_object().cloned().unwrap();
        let redirect = self
            .server
            .approve(&req, "user-42", claims, self.store.as_ref(), now, &self.rng)
            .await
            .unwrap();
        redirect
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned()
    }

    /// `POST /token` through `AuthorizationServer::token`.
    async fn token(&self, pairs: &[(&str, &str)], now: SystemTime) -> http::Response<Vec<u8>> {
        let req = post("/token", pairs, WEB);
        self.server
            .token(&req, self.store.as_ref(), now, &self.rng)
            .await
    }

    async fn redeem(&self, code: &str, now: SystemTime) -> http::Response<Vec<u8>> {
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ];
        self.token(&pairs, now).await
    }

    async fn refresh(&self, rt: &str, now: SystemTime) -> http::Response<Vec<u8>> {
        self.token(
            &[("grant_type", "refresh_token"), ("refresh_token", rt)],
            now,
        )
        .await
    }

    /// `POST /introspect` through the service.
    async fn introspect(&self, token: &str, now: SystemTime) -> Value {
        let req = post("/introspect", &[("token", token)], WEB);
        body(&self.service.handle(req, now, &self.rng).await)
    }
}

fn field(v: &Value, name: &str) -> String {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {v}"))
        .to_owned()
}

async fn code_then_rotation_then_reuse(env: Env) {
    let s = setup(&env);
    let now = SystemTime::now();
    let code = s.code(now).await;

    let first = s.redeem(&code, now).await;
    assert_eq!(first.status(), 200, "{}", body(&first));
    let first = body(&first);
    let (at1, rt1) = (
        field(&first, "access_token"),
        field(&first, "refresh_token"),
    );
    assert!(first.get("id_token").is_some());
    // Only the hashes reached Redis.
    let dump = env.dump();
    assert!(dump
        .iter()
        .all(|k| !k.key.contains(&code) && !k.value.contains(&code) && !k.value.contains(&rt1)));
    assert!(dump.iter().any(|k| k.key.ends_with(&hash(&rt1))));

    let active = s.introspect(&rt1, now).await;
    assert_eq!(active["active"], true, "{active}");
    assert_eq!(active["token_type"], "refresh_token");
    assert_eq!(s.introspect(&at1, now).await["active"], true);

    // Rotation.
    let second = s.refresh(&rt1, now).await;
    assert_eq!(second.status(), 200, "{}", body(&second));
    let rt2 = field(&body(&second), "refresh_token");
    assert_ne!(rt1, rt2);
    assert_eq!(s.introspect(&rt1, now).await["active"], false);
    assert_eq!(s.introspect(&rt2, now).await["active"], true);

    // The old one again: reuse, the family is revoked — the new refresh
    // token and the access token die with it.
    let reused = s.refresh(&rt1, now).await;
    assert_eq!(reused.status(), 400);
    assert_eq!(body(&reused)["error"], "invalid_grant");
    assert_eq!(body(&s.refresh(&rt2, now).await)["error"], "invalid_grant");
    assert_eq!(s.introspect(&at1, now).await["active"], false);
    assert_eq!(s.introspect(&rt2, now).await["active"], false);

    // The code once more: a replay, refused.
    let replay = s.redeem(&code, now).await;
    assert_eq!(body(&replay)["error"], "invalid_grant");
}
both!(code_then_rotation_then_reuse);

async fn a_code_replay_revokes_what_it_issued(env: Env) {
    let s = setup(&env);
    let now = SystemTime::now();
    let code = s.code(now).await;
    let tokens = body(&s.redeem(&code, now).await);
    let rt = field(&tokens, "refresh_token");
    assert_eq!(body(&s.redeem(&code, now).await)["error"], "invalid_grant");
    assert_eq!(body(&s.refresh(&rt, now).await)["error"], "invalid_grant");

    // `/revoke` on a fresh family's refresh token.
    let code = s.code(now).await;
    let rt = field(&body(&s.redeem(&code, now).await), "refresh_token");
    let req = post("/revoke", &[("token", &rt)], WEB);
    assert_eq!(s.service.handle(req, now, &s.rng).await.status(), 200);
    assert_eq!(body(&s.refresh(&rt, now).await)["error"], "invalid_grant");
}
both!(a_code_replay_revokes_what_it_issued);

async fn a_redis_outage_is_503_temporarily_unavailable(mut env: Env) {
    let s = setup(&env);
    let now = SystemTime::now();
    let code = s.code(now).await;
    env.stop();
    let t = std::time::Instant::now();
    let resp = s.redeem(&code, now).await;
    assert!(t.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(resp.status(), 503, "{}", body(&resp));
    assert_eq!(body(&resp)["error"], "temporarily_unavailable");
}
both!(a_redis_outage_is_503_temporarily_unavailable);

// --- throttling, shared by instances ------------------------------------------

/// Two instances of the server on the same Redis (same sealing key, as
/// instances behind a load balancer share it), with a user.
fn two_instances(env: &Env) -> (AuthServerService, AuthServerService) {
    let make = || {
        let config = ServerConfig::new(ISSUER)
            .scopes(["api:read"])
            .client(RegisteredClient::new(
                "web",
                Some("web-secret"),
                &[REDIRECT],
            ));
        let key = SigningKey::generate(Algorithm::ES256, "as-key-1")
            .unwrap()
            .0;
        let users = StaticUsers::default().user(
            "alice",
            "alice-password",
            json!({}).as_object().cloned().unwrap(),
        );
        AuthServerService::new(
            Arc::new(AuthorizationServer::new(config, key)),
            env.store.clone(),
            Arc::new(users),
            Sealer::new(SealingKey::from_bytes([9; 32])),
        )
    };
    (make(), make())
}

struct LoginForm {
    authorization: String,
    csrf: String,
    cookie: String,
}

fn html_field(html: &str, name: &str) -> String {
    html.split_once(&format!("name=\"{name}\" value=\""))
        .unwrap()
        .1
        .split_once('"')
        .unwrap()
        .0
        .to_owned()
}

async fn login_form(s: &AuthServerService, now: SystemTime) -> LoginForm {
    let query = format!(
        "response_type=code&client_id=web&redirect_uri={}&scope=openid&state=st&code_challenge={CHALLENGE}&code_challenge_method=S256",
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    );
    let req = http::Request::get(format!("/authorize?{query}"))
        .body(Vec::new())
        .unwrap();
    let resp = s.handle(req, now, &ring::rand::SystemRandom::new()).await;
    assert_eq!(resp.status(), 200);
    let html = String::from_utf8(resp.body().clone()).unwrap();
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    LoginForm {
        authorization: html_field(&html, "authorization"),
        csrf: html_field(&html, "csrf"),
        cookie,
    }
}

const FROM: &str = "203.0.113.77";

async fn post_login(
    s: &AuthServerService,
    f: &LoginForm,
    username: &str,
    password: &str,
    now: SystemTime,
) -> http::Response<Vec<u8>> {
    let mut req = http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &f.cookie)
        .body(form(&[
            ("authorization", &f.authorization),
            ("csrf", &f.csrf),
            ("username", username),
            ("password", password),
        ]))
        .unwrap();
    req.extensions_mut()
        .insert(sesame_server::ClientAddr(FROM.parse().unwrap()));
    s.handle(req, now, &ring::rand::SystemRandom::new()).await
}

async fn sign_in(
    s: &AuthServerService,
    username: &str,
    password: &str,
    now: SystemTime,
) -> http::Response<Vec<u8>> {
    let f = login_form(s, now).await;
    post_login(s, &f, username, password, now).await
}

fn retry_after(resp: &http::Response<Vec<u8>>) -> Option<u64> {
    resp.headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap())
}

async fn password_guessing_is_throttled_across_instances(env: Env) {
    let (a, b) = two_instances(&env);
    let now = support::now_ms();
    // Failures alternate between the instances: they count together.
    for i in 0..5 {
        let s = if i % 2 == 0 { &a } else { &b };
        assert_eq!(sign_in(s, "alice", "guess", now).await.status(), 401, "{i}");
    }
    let mut waits = Vec::new();
    for i in 0..6 {
        let s = if i % 2 == 0 { &b } else { &a };
        let resp = sign_in(s, "alice", "guess", now).await;
        assert_eq!(resp.status(), 429, "{i}");
        waits.push(retry_after(&resp).unwrap());
    }
    assert_eq!(waits, [2, 4, 8, 16, 32, 64]);
    // An unknown username: the same answers.
    for i in 0..5 {
        assert_eq!(
            sign_in(&a, "nobody", "guess", now).await.status(),
            401,
            "{i}"
        );
    }
    assert_eq!(sign_in(&b, "nobody", "guess", now).await.status(), 429);
    // The right password while waiting: 429 on either instance.
    let right = sign_in(&a, "alice", "alice-password", now).await;
    assert_eq!(right.status(), 429);
    let wait = retry_after(&right).unwrap();
    // After the wait it works on the other one, and resets alice's counter.
    let later = now + secs(wait);
    let ok = sign_in(&b, "alice", "alice-password", later).await;
    assert_eq!(ok.status(), 303, "{}", String::from_utf8_lossy(ok.body()));
    assert_eq!(sign_in(&a, "alice", "guess", later).await.status(), 401);

    // A form works once, whichever instance it is posted to.
    let f = login_form(&a, later).await;
    assert_eq!(
        post_login(&a, &f, "alice", "guess", later).await.status(),
        401
    );
    let again = post_login(&b, &f, "alice", "alice-password", later).await;
    assert_eq!(again.status(), 400);
    assert!(again.headers().get("location").is_none());

    // The throttle's keys are hashes, never a username, an address or a
    // form's value; every key has a TTL (the codes issued hold their
    // subject, as they must).
    let dump = env.dump();
    let kinds = [
        ":fail:login-user:",
        ":fail:login-addr:",
        ":once:login-form:",
    ];
    for kind in kinds {
        assert!(
            dump.iter().any(|k| k.key.contains(kind)),
            "{kind} in {dump:#?}"
        );
    }
    for k in &dump {
        let throttle = k.key.contains(":fail:") || k.key.contains(":once:");
        for secret in ["alice", "nobody", FROM, "guess", "password", &f.csrf] {
            assert!(
                !throttle || !k.key.contains(secret) && !k.value.contains(secret),
                "{k:?}"
            );
            assert!(!k.value.contains("guess"), "{k:?}");
        }
        assert!(k.pttl_ms > 0, "{k:?}");
        // At most a day (the username's window) from the latest `now` used.
        let ahead = i64::try_from(wait + 1).unwrap() * 1000;
        assert!(k.pttl_ms <= 86_400_000 + ahead, "{k:?}");
    }
}
both!(password_guessing_is_throttled_across_instances);

async fn token(s: &AuthServerService, secret: &str, now: SystemTime) -> http::Response<Vec<u8>> {
    let req = post(
        "/token",
        &[("grant_type", "client_credentials")],
        Some(("web", secret)),
    );
    s.handle(req, now, &ring::rand::SystemRandom::new()).await
}

async fn client_secret_guessing_is_throttled_across_instances(env: Env) {
    let (a, b) = two_instances(&env);
    let now = support::now_ms();
    for i in 0..10 {
        let s = if i % 2 == 0 { &a } else { &b };
        let r = token(s, "guess", now).await;
        assert_eq!(r.status(), 401, "{i}");
        assert_eq!(body(&r)["error"], "invalid_client");
    }
    let r = token(&a, "web-secret", now).await;
    assert_eq!(r.status(), 429);
    assert_eq!(body(&r)["error"], "temporarily_unavailable");
    assert_eq!(retry_after(&r), Some(1));
    let r = token(&b, "web-secret", now + secs(1)).await;
    assert_eq!(r.status(), 200, "{}", body(&r));
    let dump = env.dump();
    assert!(
        dump.iter().any(|k| k.key.contains(":fail:client:")),
        "{dump:#?}"
    );
    assert!(
        dump.iter()
            .all(|k| !k.key.contains("client:web") && k.pttl_ms > 0),
        "{dump:#?}"
    );
}
both!(client_secret_guessing_is_throttled_across_instances);
