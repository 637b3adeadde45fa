//! `private_key_jwt` clients registered by `jwks_uri`: the server fetches
//! the client's key set over real HTTP (a tiny server on 127.0.0.1 and a
//! fetcher on std's TCP), once for many requests; a rotated key (a new
//! `kid`) costs exactly one refetch; an unknown `kid` after it is refused;
//! the set's endpoint being down is `401 invalid_client` (never a 500),
//! with a warning for the operator, while keys already fetched keep
//! working.
mod common;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use common::server::*;
use common::*;
use serde_json::{json, Value};
use sesame_core::jose::SigningKey;
use sesame_server::{
    AuthorizationServer, ClientKeysFetcher, ConfigError, KeyRingError, KeysFetchError, MemoryStore,
    RegisteredClient, ServerConfig, CLIENT_ASSERTION_TYPE,
};

/// A client's `jwks_uri`: serves whatever set it is given, counts the
/// requests, and can be stopped (its port then refuses connections).
struct JwksEndpoint {
    addr: SocketAddr,
    body: Arc<Mutex<String>>,
    hits: Arc<AtomicUsize>,
    delay: Arc<Mutex<Duration>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl JwksEndpoint {
    fn start(keys: &[&SigningKey]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let body = Arc::new(Mutex::new(String::new()));
        let hits = Arc::new(AtomicUsize::new(0));
        let delay = Arc::new(Mutex::new(Duration::ZERO));
        let stop = Arc::new(AtomicBool::new(false));
        let (b, h, d, s) = (
            Arc::clone(&body),
            Arc::clone(&hits),
            Arc::clone(&delay),
            Arc::clone(&stop),
        );
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return; // the listener is dropped: connections are refused
                }
                let Ok(mut conn) = conn else { continue };
                let mut buf = [0u8; 4096];
                let mut request = Vec::new();
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                h.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(*d.lock().unwrap());
                let body = b.lock().unwrap().clone();
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: max-age=300\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        let endpoint = Self {
            addr,
            body,
            hits,
            delay,
            stop,
            thread: Some(thread),
        };
        endpoint.serve(keys);
        endpoint
    }

    fn uri(&self) -> url::Url {
        format!("http://{}/jwks.json", self.addr).parse().unwrap()
    }

    fn serve(&self, keys: &[&SigningKey]) {
        let keys: Vec<Value> = keys.iter().map(|k| k.public_jwk().unwrap()).collect();
        *self.body.lock().unwrap() = json!({ "keys": keys }).to_string();
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for JwksEndpoint {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One HTTP/1.1 GET over std's TCP, with timeouts and a size cap.
#[derive(Debug)]
struct TcpFetcher;

#[async_trait::async_trait]
impl ClientKeysFetcher for TcpFetcher {
    async fn fetch(&self, uri: &url::Url) -> Result<http::Response<Vec<u8>>, KeysFetchError> {
        let addr: SocketAddr = format!("{}:{}", uri.host_str().unwrap(), uri.port().unwrap())
            .parse()
            .unwrap();
        let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
            .map_err(|_| KeysFetchError::Unreachable)?;
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(
            conn,
            "GET {} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n",
            uri.path()
        )
        .map_err(|_| KeysFetchError::Unreachable)?;
        let mut raw = Vec::new();
        conn.take(64 * 1024 + 1)
            .read_to_end(&mut raw)
            .map_err(|_| KeysFetchError::Timeout)?;
        if raw.len() > 64 * 1024 {
            return Err(KeysFetchError::TooLarge);
        }
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or(KeysFetchError::Unreachable)?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or(KeysFetchError::Unreachable)?;
        let mut resp = http::Response::builder().status(status);
        for line in lines {
            if let Some((name, value)) = line.split_once(':') {
                resp = resp.header(name.trim(), value.trim());
            }
        }
        Ok(resp.body(raw[split + 4..].to_vec()).unwrap())
    }
}

fn config(uri: url::Url) -> ServerConfig {
    ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::private_key_jwt_uri(
            "pk",
            uri,
            &["https://app.example/cb"],
        ))
        .client_keys_fetcher(Arc::new(TcpFetcher))
}

fn server_for(endpoint: &JwksEndpoint) -> AuthorizationServer {
    AuthorizationServer::with_keys(
        config(endpoint.uri()),
        vec![es256_key("as"), rs256_key("as-rsa")],
    )
    .unwrap()
}

/// A client_credentials request at `at`, with an assertion signed by `key`.
fn token_at(
    server: &AuthorizationServer,
    store: &MemoryStore,
    key: &SigningKey,
    jti: &str,
    at: SystemTime,
) -> http::Response<Vec<u8>> {
    let t = unix(at);
    let claims = json!({
        "iss": "pk", "sub": "pk", "aud": AS_ISSUER, "jti": jti, "iat": t, "exp": t + 60,
    });
    let assertion = key.sign_claims(None, claims.as_object().unwrap()).unwrap();
    let req = token_request(
        form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", &assertion),
        ]),
        None,
    );
    block_on(server.token(&req, store, at, &rng()))
}

fn token(
    server: &AuthorizationServer,
    store: &MemoryStore,
    key: &SigningKey,
    jti: &str,
) -> http::Response<Vec<u8>> {
    token_at(server, store, key, jti, now())
}

#[test]
fn the_key_set_is_fetched_once_for_many_authentications() {
    let key = new_key("client-key-1");
    let endpoint = JwksEndpoint::start(&[&key]);
    let server = server_for(&endpoint);
    let store = MemoryStore::default();
    for i in 0..5 {
        let resp = token(&server, &store, &key, &format!("jti-{i}"));
        assert_eq!(resp.status(), 200, "{:?}", body(&resp));
    }
    assert_eq!(endpoint.hits(), 1, "one fetch serves every request");
    // Within its max-age (300 s) the set is not fetched again ...
    let resp = token_at(&server, &store, &key, "jti-later", now() + secs(200));
    assert_eq!(resp.status(), 200);
    assert_eq!(endpoint.hits(), 1);
    // ... after it, it is.
    let resp = token_at(&server, &store, &key, "jti-much-later", now() + secs(400));
    assert_eq!(resp.status(), 200);
    assert_eq!(endpoint.hits(), 2);
}

#[test]
fn a_rotated_key_costs_one_refetch_and_an_unknown_kid_after_it_is_refused() {
    let old = new_key("client-key-1");
    let endpoint = JwksEndpoint::start(&[&old]);
    let server = server_for(&endpoint);
    let store = MemoryStore::default();
    assert_eq!(token(&server, &store, &old, "a").status(), 200);
    assert_eq!(endpoint.hits(), 1);

    // The client publishes its next key, then signs with it.
    let next = new_key("client-key-2");
    endpoint.serve(&[&old, &next]);
    let resp = token(&server, &store, &next, "b");
    assert_eq!(resp.status(), 200, "{:?}", body(&resp));
    assert_eq!(endpoint.hits(), 2, "exactly one refetch for the new kid");
    assert_eq!(token(&server, &store, &next, "c").status(), 200);
    assert_eq!(token(&server, &store, &old, "d").status(), 200);
    assert_eq!(endpoint.hits(), 2);

    // A kid the set still lacks: refused, and no fetch per attempt.
    let stranger = new_key("client-key-3");
    for jti in ["e", "f", "g"] {
        let resp = token(&server, &store, &stranger, jti);
        assert_eq!(resp.status(), 401);
        assert_eq!(body(&resp)["error"], "invalid_client");
    }
    assert_eq!(endpoint.hits(), 2, "unknown kids are rate-limited");
    // A key that reuses a published kid with other material is refused too.
    let impostor = new_key("client-key-2");
    assert_eq!(token(&server, &store, &impostor, "h").status(), 401);

    // Once the rotation is done the client drops its old key.
    endpoint.serve(&[&next]);
    let later = now() + secs(400);
    assert_eq!(token_at(&server, &store, &next, "i", later).status(), 200);
    assert_eq!(token_at(&server, &store, &old, "j", later).status(), 401);
}

/// Records the warnings logged while it is the default subscriber.
#[derive(Default, Clone)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl tracing::Subscriber for Warnings {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Fields(String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={value:?} ", field.name()));
            }
        }
        if *event.metadata().level() == tracing::Level::WARN {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            self.0.lock().unwrap().push(fields.0);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn the_endpoint_down_is_invalid_client_with_a_warning_and_held_keys_keep_working() {
    let key = new_key("client-key-1");
    let mut endpoint = JwksEndpoint::start(&[&key]);
    let uri = endpoint.uri();
    let server = server_for(&endpoint);
    let store = MemoryStore::default();
    assert_eq!(token(&server, &store, &key, "a").status(), 200);
    endpoint.stop();

    let warnings = Warnings::default();
    tracing::subscriber::with_default(warnings.clone(), || {
        // Past the set's max-age, the refetch fails: the held keys serve.
        let later = now() + secs(400);
        let resp = token_at(&server, &store, &key, "b", later);
        assert_eq!(resp.status(), 200, "{:?}", body(&resp));
        // A new kid cannot be fetched: refused, not a server error.
        let next = new_key("client-key-2");
        let resp = token_at(&server, &store, &next, "c", later + secs(30));
        assert_eq!(resp.status(), 401);
        assert_eq!(body(&resp)["error"], "invalid_client");

        // A server that never fetched the set has nothing to fall back on.
        let fresh = server_for(&endpoint);
        for (i, at) in [now(), now() + secs(1), now() + secs(60)]
            .into_iter()
            .enumerate()
        {
            let resp = token_at(&fresh, &store, &key, &format!("d-{i}"), at);
            assert_eq!(resp.status(), 401, "{:?}", body(&resp));
            assert_eq!(body(&resp)["error"], "invalid_client");
        }
    });
    let logged = warnings.0.lock().unwrap().clone();
    assert!(
        logged
            .iter()
            .any(|w| w.contains("fetch failed") && w.contains(uri.as_str()) && w.contains("pk")),
        "{logged:?}"
    );
    assert!(
        logged.iter().all(|w| !w.contains("eyJ")),
        "no assertion in the logs: {logged:?}"
    );
    // The outage is not counted as guessing: the client is not throttled.
    assert_eq!(endpoint.hits(), 1);
}

#[test]
fn concurrent_authentications_share_one_fetch() {
    let key = Arc::new(new_key("client-key-1"));
    let endpoint = JwksEndpoint::start(&[&key]);
    *endpoint.delay.lock().unwrap() = Duration::from_millis(300);
    let server = Arc::new(server_for(&endpoint));
    let store = Arc::new(MemoryStore::default());
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let (server, store, key) = (Arc::clone(&server), Arc::clone(&store), Arc::clone(&key));
            std::thread::spawn(move || token(&server, &store, &key, &format!("t-{i}")).status())
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert_eq!(endpoint.hits(), 1);
}

#[test]
fn a_client_registered_by_uri_needs_a_fetcher() {
    let uri: url::Url = "http://127.0.0.1:9/jwks.json".parse().unwrap();
    let mut config = config(uri);
    config.client_keys_fetcher = None;
    assert_eq!(
        config.check(),
        Err(ConfigError::NoClientKeysFetcher("pk".into()))
    );
    assert_eq!(
        AuthorizationServer::with_keys(config.clone(), vec![es256_key("as"), rs256_key("as-rsa")])
            .err(),
        Some(KeyRingError::Config(ConfigError::NoClientKeysFetcher(
            "pk".into()
        )))
    );
    // Run anyway (unchecked): every authentication is refused, never a panic.
    let server = AuthorizationServer::new(config, es256_key("as"));
    let store = MemoryStore::default();
    let resp = token(&server, &store, &new_key("client-key-1"), "a");
    assert_eq!(resp.status(), 401);
    assert_eq!(body(&resp)["error"], "invalid_client");
    // Nor can it pass as a public client.
    let req = token_request(
        form(&[("grant_type", "client_credentials"), ("client_id", "pk")]),
        None,
    );
    assert_eq!(
        body(&block_on(server.token(&req, &store, now(), &rng())))["error"],
        "invalid_client"
    );
}
