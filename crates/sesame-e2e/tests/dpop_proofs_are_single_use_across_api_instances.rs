//! Two instances of one protected API — one on `sesame-axum`'s
//! `BearerLayer`, one on `sesame-poem`'s `BearerMiddleware`, each over real
//! HTTP on 127.0.0.1 behind one public origin — share their record of used
//! DPoP proofs on a real `redis-server` (and on a three-node Redis
//! Cluster) through `BearerAuth::with_dpop_replay_store`: a proof accepted
//! at one is refused as replayed at the other, a fresh one passes, of many
//! concurrent uses of one proof exactly one passes; with Redis down every
//! DPoP request is a bounded 503 (never a 500, never accepted), and the
//! instances heal by themselves once it is back.
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use sesame_core::dpop::{cnf_claim, ProofKey};
use sesame_core::jose::{Algorithm, JwkSet, SigningKey};
use sesame_core::resource::{BearerPolicy, BearerValidator, DpopMode, Guard, TrustedIssuer};
use sesame_e2e::http_client;
use sesame_redis::testing::{RedisCluster, RedisServer};
use sesame_redis::RedisStore;
use sesame_reqwest::{BearerAuth, Sesame};

const ISSUER: &str = "https://id.example.com";
/// The origin clients call (the load balancer's), which proofs name.
const PUBLIC: &str = "https://api.example.com";
const ALGS: &str = r#"algs="ES256 EdDSA RS256 PS256""#;

fn issuer_key() -> &'static SigningKey {
    static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(Algorithm::ES256, "k1").unwrap().0)
}

/// One instance's protection, recording proofs in its own connection to
/// the shared Redis.
async fn auth(redis: &str) -> BearerAuth {
    let jwks = serde_json::json!({"keys": [issuer_key().public_jwk().unwrap()]}).to_string();
    let policy = BearerPolicy::new(
        BearerValidator::new().issuer(TrustedIssuer::with_static_keys(
            ISSUER,
            JwkSet::parse(jwks.as_bytes()).unwrap(),
            PUBLIC,
        )),
    )
    .dpop(DpopMode::Allowed)
    .public_origin(PUBLIC.parse().unwrap())
    .realm("orders");
    let store = RedisStore::from_env_value(redis, "orders-api")
        .await
        .expect("redis reachable");
    BearerAuth::with_policy(policy, Arc::new(Sesame::new().unwrap()))
        .with_dpop_replay_store(Arc::new(store))
}

/// Instance A: `GET /orders` behind `BearerLayer`.
async fn on_axum(auth: BearerAuth) -> String {
    let app: axum::Router = axum::Router::new()
        .route(
            "/orders",
            axum::routing::get(
                |sesame_axum::Claims(c): sesame_axum::Claims| async move { c.subject },
            ),
        )
        .route_layer(sesame_axum::BearerLayer::new(
            auth,
            Guard::new().scope("orders:read"),
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// Instance B: `GET /orders` behind `BearerMiddleware`.
async fn on_poem(auth: BearerAuth) -> String {
    use poem::EndpointExt;
    #[poem::handler]
    fn orders(sesame_poem::Claims(c): sesame_poem::Claims) -> String {
        c.subject
    }
    let app = poem::Route::new().at(
        "/orders",
        orders.with(sesame_poem::BearerMiddleware::new(
            auth,
            Guard::new().scope("orders:read"),
        )),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(sesame_poem::serve(
        listener,
        app,
        sesame_poem::ServerLimits::default(),
    ));
    base
}

struct Api {
    a: String,
    b: String,
}

impl Api {
    async fn start(redis: &str) -> Api {
        Api {
            a: on_axum(auth(redis).await).await,
            b: on_poem(auth(redis).await).await,
        }
    }

    fn base(&self, which: char) -> &str {
        match which {
            'a' => &self.a,
            _ => &self.b,
        }
    }
}

/// A client: its key and an access token bound to it.
struct Caller {
    key: ProofKey,
    token: String,
}

impl Caller {
    fn new() -> Caller {
        let key = ProofKey::generate(Algorithm::ES256).unwrap();
        let t = sesame_core::time::unix_seconds(SystemTime::now());
        let claims = serde_json::json!({"iss": ISSUER, "aud": PUBLIC, "sub": "alice",
            "exp": t + 300, "iat": t, "scope": "orders:read", "cnf": cnf_claim(key.thumbprint())});
        let token = issuer_key()
            .sign_claims(Some("at+jwt"), claims.as_object().unwrap())
            .unwrap();
        Caller { key, token }
    }

    /// A fresh proof for `GET https://api.example.com/orders`.
    fn proof(&self) -> String {
        let htu: url::Url = format!("{PUBLIC}/orders").parse().unwrap();
        self.key
            .proof(
                &http::Method::GET,
                &htu,
                SystemTime::now(),
                &ring::rand::SystemRandom::new(),
                Some(&self.token),
                None,
            )
            .unwrap()
    }
}

struct Seen {
    status: u16,
    www: Vec<String>,
    body: String,
}

async fn get(base: &str, caller: &Caller, proof: &str) -> Seen {
    let resp = http_client()
        .get(format!("{base}/orders"))
        .header("authorization", format!("DPoP {}", caller.token))
        .header("dpop", proof)
        .send()
        .await
        .unwrap();
    let www = resp
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    Seen {
        status: resp.status().as_u16(),
        www,
        body: resp.text().await.unwrap(),
    }
}

fn assert_replayed(seen: &Seen, context: &str) {
    assert_eq!(
        (seen.status, seen.www.clone()),
        (
            401,
            vec![format!(r#"DPoP error="invalid_dpop_proof", {ALGS}"#)]
        ),
        "{context}: {}",
        seen.body
    );
}

/// Every cross-instance rule, on whatever Redis `redis` names.
async fn single_use_across(redis: &str) {
    let api = Api::start(redis).await;
    let alice = Caller::new();

    // Accepted at A, a replay at B — and at A.
    let p = alice.proof();
    let seen = get(api.base('a'), &alice, &p).await;
    assert_eq!((seen.status, seen.body.as_str()), (200, "alice"));
    assert_replayed(&get(api.base('b'), &alice, &p).await, "A's proof at B");
    assert_replayed(&get(api.base('a'), &alice, &p).await, "A's proof at A");

    // A fresh proof passes at B, then is a replay at A.
    let fresh = alice.proof();
    let seen = get(api.base('b'), &alice, &fresh).await;
    assert_eq!((seen.status, seen.body.as_str()), (200, "alice"));
    assert_replayed(&get(api.base('a'), &alice, &fresh).await, "B's proof at A");

    // One proof sent 20 times at once over both instances: one success.
    let racing = alice.proof();
    let alice = Arc::new(alice);
    let tries: Vec<_> = (0..20)
        .map(|i| {
            let base = api.base(if i % 2 == 0 { 'a' } else { 'b' }).to_owned();
            let (alice, racing) = (alice.clone(), racing.clone());
            tokio::spawn(async move { get(&base, &alice, &racing).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_one_redis() {
    let redis = RedisServer::start().expect("redis-server");
    single_use_across(&redis.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_redis_cluster() {
    let cluster = RedisCluster::start().expect("a 3-node redis cluster");
    single_use_across(&cluster.env_value()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_dpop_requests_are_a_bounded_503_and_never_pass() {
    let mut redis = RedisServer::start_with_aof().expect("redis-server");
    let api = Api::start(&redis.url()).await;
    let alice = Caller::new();
    let used = alice.proof();
    assert_eq!(get(api.base('a'), &alice, &used).await.status, 200);

    redis.stop();
    for which in ['a', 'b'] {
        for (proof, what) in [
            (alice.proof(), "a fresh proof"),
            (used.clone(), "a used one"),
        ] {
            let started = Instant::now();
            let seen = get(api.base(which), &alice, &proof).await;
            assert_eq!(
                seen.status, 503,
                "{what} at {which} with redis down: {}",
                seen.body
            );
            let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
            assert_eq!(
                body["error"], "temporarily_unavailable",
                "{what} at {which}"
            );
            assert!(seen.www.is_empty(), "no challenge: {:?}", seen.www);
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "bounded: {:?}",
                started.elapsed()
            );
        }
    }

    redis.restart().expect("redis-server back");
    // Heals by itself; what was recorded before the outage still counts.
    let deadline = Instant::now() + Duration::from_secs(15);
    let seen = loop {
        let seen = get(api.base('b'), &alice, &alice.proof()).await;
        if seen.status != 503 || Instant::now() > deadline {
            break seen;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!((seen.status, seen.body.as_str()), (200, "alice"));
    assert_replayed(
        &get(api.base('b'), &alice, &used).await,
        "recorded before the outage",
    );
}
