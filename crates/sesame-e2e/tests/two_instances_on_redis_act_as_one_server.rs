//! Two instances of `examples/authorization-server` with the same issuer,
//! signing keys, cookie key and Redis act as one server — on one Redis and
//! on a three-node Redis Cluster (real `redis-server` processes on
//! loopback): forms rendered by one are posted to the other, single use
//! and rotation hold across both (codes, refresh tokens, pushed requests'
//! `request_uri`s, DPoP proofs), and a Redis outage is a bounded 503 the
//! servers recover from by themselves.
use std::time::{Duration, Instant};

use serde_json::Value;
use sesame_e2e::*;
use sesame_redis::testing::{RedisCluster, RedisServer};

const REDIRECT: &str = "http://127.0.0.1:9/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A JWK Set file of private keys both instances read (RFC 7515 A.2's RSA
/// key and A.3's P-256 key), and a shared cookie key.
fn shared_keys(dir: &std::path::Path) -> (String, String) {
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(
            workspace_root().join("crates/sesame-core/tests/vectors/rfc7515.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut rsa = vectors["a2_rs256"]["jwk"].clone();
    rsa["kid"] = "rsa-1".into();
    let mut ec = vectors["a3_es256"]["jwk"].clone();
    ec["kid"] = "ec-1".into();
    let path = dir.join("signing-keys.json");
    std::fs::write(&path, serde_json::json!({"keys": [rsa, ec]}).to_string()).unwrap();
    (
        path.to_string_lossy().into_owned(),
        "c2VzYW1lLWUyZS1zaGFyZWQtY29va2llLWtleS0zMmI".into(),
    )
}

struct Pair {
    a: AuthServer,
    b: AuthServer,
    issuer: String,
}

impl Pair {
    /// Both instances answer as the issuer of A's port (the load balancer's
    /// address, as it were), each on its own port.
    async fn start(redis_url: &str, dir: &std::path::Path) -> Pair {
        let (keys, cookie) = shared_keys(dir);
        let (pa, pb) = (free_port(), free_port());
        let issuer = format!("http://127.0.0.1:{pa}");
        let env = [
            ("SESAME_ISSUER", issuer.as_str()),
            ("SESAME_REDIS_URL", redis_url),
            ("SESAME_SIGNING_KEY_FILE", keys.as_str()),
            ("SESAME_COOKIE_KEY", cookie.as_str()),
        ];
        let a = AuthServer::start_on(pa, "web", Some("web-secret"), &[REDIRECT], &env).await;
        let b = AuthServer::start_on(pb, "web", Some("web-secret"), &[REDIRECT], &env).await;
        Pair { a, b, issuer }
    }

    fn base(&self, which: char) -> String {
        match which {
            'a' => self.a.issuer.clone(),
            _ => self.b.issuer.clone(),
        }
    }

    async fn stop(self) {
        self.a.stop().await;
        self.b.stop().await;
    }
}

/// The login page from `page_at`, posted to `post_at`: the code.
async fn code(pair: &Pair, page_at: char, post_at: char) -> String {
    let http = http_client();
    let authorize = format!(
        "{}/authorize?response_type=code&client_id=web&redirect_uri={}&scope=openid%20api:read&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256",
        pair.base(page_at),
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    );
    let page = http.get(&authorize).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let field = |name: &str| {
        html.split_once(&format!("name=\"{name}\" value=\""))
            .and_then(|(_, r)| r.split_once('"'))
            .map(|(v, _)| v.replace("&amp;", "&"))
            .unwrap()
    };
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("authorization", field("authorization")),
            ("csrf", field("csrf")),
            ("username", "alice".into()),
            ("password", "alice-pw".into()),
        ])
        .finish();
    let posted = http
        .post(format!("{}/login", pair.base(post_at)))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        posted.status(),
        303,
        "the form sealed by one opens at the other"
    );
    let location = url::Url::parse(posted.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(
        location.query_pairs().find(|(k, _)| k == "iss").unwrap().1,
        pair.issuer
    );
    location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

async fn post(base: &str, path: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
    post_with_proof(base, path, pairs, None).await
}

async fn post_with_proof(
    base: &str,
    path: &str,
    pairs: &[(&str, &str)],
    dpop: Option<&str>,
) -> (u16, Value) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let mut req = http_client()
        .post(format!("{base}{path}"))
        .basic_auth("web", Some("web-secret"))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(p) = dpop {
        req = req.header("dpop", p);
    }
    let resp = req.body(body).send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn redeem(base: &str, code: &str) -> (u16, Value) {
    post(
        base,
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

async fn refresh(base: &str, token: &str) -> (u16, Value) {
    post(
        base,
        "/token",
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
    )
    .await
}

async fn active(base: &str, token: &str) -> bool {
    let (status, body) = post(base, "/introspect", &[("token", token)]).await;
    assert_eq!(status, 200, "{body}");
    body["active"] == true
}

fn s(v: &Value, k: &str) -> String {
    v[k].as_str()
        .unwrap_or_else(|| panic!("no {k} in {v}"))
        .to_owned()
}

/// Every cross-instance rule, on whatever Redis `url` names.
async fn act_as_one(url: &str, dir: &std::path::Path) {
    let pair = Pair::start(url, dir).await;

    // A code issued by A, redeemed at B, replayed at A: refused, and the
    // tokens of the first redemption are revoked.
    let c = code(&pair, 'a', 'b').await;
    let (status, first) = redeem(&pair.base('b'), &c).await;
    assert_eq!(status, 200, "{first}");
    assert!(active(&pair.base('a'), &s(&first, "access_token")).await);
    let (status, replay) = redeem(&pair.base('a'), &c).await;
    assert_eq!(
        (status, s(&replay, "error").as_str()),
        (400, "invalid_grant")
    );
    assert!(
        !active(&pair.base('b'), &s(&first, "access_token")).await,
        "revoked on replay"
    );
    assert!(!active(&pair.base('a'), &s(&first, "refresh_token")).await);

    // 50 concurrent redemptions of one code over both: exactly one success.
    let c = code(&pair, 'b', 'a').await;
    let tries = (0..50).map(|i| {
        let (base, c) = (pair.base(if i % 2 == 0 { 'a' } else { 'b' }), c.clone());
        async move { redeem(&base, &c).await.0 }
    });
    let statuses = futures_join_all(tries).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );

    // Refresh at A; the old refresh token at B is reuse: refused, and the
    // newest one is dead too.
    let c = code(&pair, 'a', 'a').await;
    let (_, t1) = redeem(&pair.base('a'), &c).await;
    let (status, t2) = refresh(&pair.base('a'), &s(&t1, "refresh_token")).await;
    assert_eq!(status, 200, "{t2}");
    let (status, _) = refresh(&pair.base('b'), &s(&t1, "refresh_token")).await;
    assert_eq!(status, 400);
    let (status, _) = refresh(&pair.base('a'), &s(&t2, "refresh_token")).await;
    assert_eq!(status, 400, "the family is revoked");

    // 40 concurrent refreshes of one token: at most one success, and the
    // family is consistent afterwards (reuse revoked it: nothing of it lives).
    let c = code(&pair, 'b', 'b').await;
    let (_, t) = redeem(&pair.base('b'), &c).await;
    let rt = s(&t, "refresh_token");
    let tries = (0..40).map(|i| {
        let (base, rt) = (pair.base(if i % 2 == 0 { 'a' } else { 'b' }), rt.clone());
        async move { refresh(&base, &rt).await }
    });
    let answers = futures_join_all(tries).await;
    let wins: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, b)| b)
        .collect();
    assert!(wins.len() <= 1, "{} successes", wins.len());
    for win in wins {
        assert!(!active(&pair.base('a'), &s(win, "refresh_token")).await);
    }

    // Revocation at A is visible at B at once.
    let c = code(&pair, 'a', 'b').await;
    let (_, t) = redeem(&pair.base('a'), &c).await;
    assert!(active(&pair.base('b'), &s(&t, "access_token")).await);
    let (status, _) = post(
        &pair.base('a'),
        "/revoke",
        &[("token", &s(&t, "refresh_token"))],
    )
    .await;
    assert_eq!(status, 200);
    assert!(!active(&pair.base('b'), &s(&t, "access_token")).await);
    assert!(!active(&pair.base('b'), &s(&t, "refresh_token")).await);

    // A DPoP proof used at A is a replay at B.
    let key = sesame_core::dpop::ProofKey::generate(sesame_core::jose::Algorithm::ES256).unwrap();
    let htu = url::Url::parse(&format!("{}/token", pair.issuer)).unwrap();
    let proof = key
        .proof(
            &http::Method::POST,
            &htu,
            std::time::SystemTime::now(),
            &ring::rand::SystemRandom::new(),
            None,
            None,
        )
        .unwrap();
    let redemption = |c: &str| {
        let c = c.to_owned();
        move |base: String, proof: String| async move {
            post_with_proof(
                &base,
                "/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &c),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", VERIFIER),
                ],
                Some(&proof),
            )
            .await
        }
    };
    let c = code(&pair, 'a', 'a').await;
    let (status, bound) = redemption(&c)(pair.base('a'), proof.clone()).await;
    assert_eq!(
        (status, s(&bound, "token_type").as_str()),
        (200, "DPoP"),
        "{bound}"
    );
    let c = code(&pair, 'b', 'b').await;
    let (status, replay) = redemption(&c)(pair.base('b'), proof).await;
    assert_eq!(
        (status, s(&replay, "error").as_str()),
        (400, "invalid_dpop_proof"),
        "{replay}"
    );

    // A request pushed to A is redeemed once, at B; then never again.
    let query = format!(
        "response_type=code&client_id=web&redirect_uri={}&scope=openid&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256",
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    );
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, pushed) = post(&pair.base('a'), "/par", &pairs).await;
    assert_eq!(status, 201, "{pushed}");
    let authorize = |base: String| {
        format!(
            "{base}/authorize?client_id=web&request_uri={}",
            url::form_urlencoded::byte_serialize(s(&pushed, "request_uri").as_bytes())
                .collect::<String>()
        )
    };
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let first = no_redirects
        .get(authorize(pair.base('b')))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let again = no_redirects
        .get(authorize(pair.base('a')))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 303);
    assert!(again.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=invalid_request_uri"));

    pair.stop().await;
}

/// `futures::future::join_all`, without the dependency.
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let mut out = Vec::new();
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_one_redis() {
    let redis = RedisServer::start().expect("redis-server");
    act_as_one(&redis.url(), redis.dir()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_redis_cluster() {
    let cluster = RedisCluster::start().expect("a 3-node redis cluster");
    let urls: Vec<String> = cluster.nodes().iter().map(RedisServer::url).collect();
    act_as_one(&urls.join(","), cluster.nodes()[0].dir()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_is_a_bounded_503_and_heals_by_itself() {
    let mut redis = RedisServer::start_with_aof().expect("redis-server");
    let pair = Pair::start(&redis.url(), redis.dir()).await;
    let c = code(&pair, 'a', 'b').await;
    let (_, before) = redeem(&pair.base('a'), &c).await;
    let rt = s(&before, "refresh_token");

    redis.stop();
    let started = Instant::now();
    let (status, body) = refresh(&pair.base('b'), &rt).await;
    assert_eq!(
        (status, s(&body, "error").as_str()),
        (503, "temporarily_unavailable")
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded: {:?}",
        started.elapsed()
    );
    for path in ["/.well-known/openid-configuration", "/jwks.json"] {
        let resp = http_client()
            .get(format!("{}{path}", pair.base('a')))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path} needs no store");
    }

    redis.restart().expect("redis-server back");
    // Recovers on its own; the refresh token from before the outage works.
    let deadline = Instant::now() + Duration::from_secs(15);
    let (status, body) = loop {
        let answer = refresh(&pair.base('a'), &rt).await;
        if answer.0 != 503 || Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status, 200, "{body}");
    pair.stop().await;
}
