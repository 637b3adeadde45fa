//! "Login with any OpenID Provider" for a synchronous app: a minimal
//! `std::net` HTTP/1.1 server (one request per connection, a few worker
//! threads) serves the two routes, `ureq` executes the core's requests.
//! There is no async runtime anywhere in this program.
//!
//! The driver only moves requests and responses between `sesame-core` and
//! the network and passes `now` and randomness in; every rule (cookies,
//! state, PKCE, ID tokens, JWKS caching policy, error answers) is the core's.
//! Same env and HTTP contract as `axum-oidc-login` (see `oidc-login-config`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use oidc_login_config::PROVIDER;
use sesame_core::cache::{Document, JwksCache, Lookup, MetadataCache, RemoteCache};
use sesame_core::login::{self, LoginService, TransportFailure};
use sesame_core::step::{Exchange, Outgoing, Step};
use sesame_core::LoginError;

/// A failure on the way to an answer: the protocol's, or the network's.
enum Failure {
    Login(LoginError),
    Transport(TransportFailure),
}

impl From<LoginError> for Failure {
    fn from(e: LoginError) -> Self {
        Failure::Login(e)
    }
}

impl Failure {
    fn to_response(&self) -> http::Response<Vec<u8>> {
        match self {
            Failure::Login(e) => login::error_response(e),
            Failure::Transport(t) => t.to_response("the identity provider could not be reached"),
        }
    }
}

struct App {
    service: LoginService,
    agent: ureq::Agent,
    metadata: Mutex<MetadataCache>,
    jwks: Mutex<JwksCache>,
    rng: ring::rand::SystemRandom,
}

impl App {
    /// Executes one request: no redirects, bounded time and size.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportFailure> {
        let mut response = self.agent.run(request).map_err(|e| match e {
            ureq::Error::Timeout(_) => TransportFailure::Timeout,
            _ => TransportFailure::Unreachable,
        })?;
        let body = response
            .body_mut()
            .with_config()
            .limit(1024 * 1024)
            .read_to_vec()
            .map_err(|_| TransportFailure::Unreachable)?;
        let (parts, _) = response.into_parts();
        Ok(http::Response::from_parts(parts, body))
    }

    /// A cached document. The cache decides; holding its lock while
    /// fetching makes concurrent misses wait for the one fetch.
    fn cached<T: Document>(
        &self,
        cache: &Mutex<RemoteCache<T>>,
        key: &str,
        kid: Option<&str>,
        force: bool,
    ) -> Result<Arc<T>, Failure> {
        let mut cache = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match cache.lookup(key, kid, force, SystemTime::now()) {
            Lookup::Use(doc) => Ok(doc),
            Lookup::Fetch(request) => {
                let fetched = self.send(request);
                let now = SystemTime::now();
                match fetched {
                    Ok(resp) => cache
                        .store(key, &resp, now)
                        .or_else(|_| cache.get(key).ok_or(())),
                    Err(_) => cache.fetch_failed(key, now).ok_or(()),
                }
                .map_err(|()| Failure::Transport(TransportFailure::Unreachable))
            }
            Lookup::Wait | Lookup::Unavailable => {
                Err(Failure::Transport(TransportFailure::Unreachable))
            }
        }
    }

    fn metadata(&self) -> Result<Arc<sesame_core::discovery::ProviderMetadata>, Failure> {
        let client = self.service.client(PROVIDER)?;
        match client.provider().static_metadata() {
            Some(m) => Ok(Arc::new(m.clone())),
            None => self.cached(
                &self.metadata,
                &client.provider().metadata_key().unwrap_or_default(),
                None,
                false,
            ),
        }
    }

    /// `GET /login`.
    fn login(&self, query: Option<&str>) -> Result<http::Response<Vec<u8>>, Failure> {
        let meta = self.metadata()?;
        let redirect =
            self.service
                .start_from_query(PROVIDER, &meta, query, SystemTime::now(), &self.rng)?;
        Ok(redirect.to_response())
    }

    /// `GET /callback`: returns the response and the cookie to clear.
    fn callback(
        &self,
        query: Option<&str>,
        cookies: &[String],
    ) -> (Result<http::Response<Vec<u8>>, Failure>, Option<String>) {
        let params = match login::callback_params(query, None) {
            Ok(p) => p,
            Err(e) => return (Err(e.into()), None),
        };
        let meta = match self.metadata() {
            Ok(m) => m,
            Err(e) => return (Err(e), None),
        };
        let start = self.service.callback(
            PROVIDER,
            meta,
            &params,
            cookies.iter().map(String::as_str),
            SystemTime::now(),
        );
        let result = start
            .result
            .map_err(Failure::from)
            .and_then(|(exchange, first)| self.drive(exchange, first));
        let response = result.map(|login| {
            sesame_core::response::json_response(200, &serde_json::json!(login.identity))
        });
        (response, start.clear_cookie)
    }

    /// The whole driver loop: move requests and keys, pass `now`.
    fn drive<E: Exchange<Error = LoginError>>(
        &self,
        mut exchange: E,
        first: Outgoing,
    ) -> Result<E::Output, Failure> {
        let mut step = Step::Send(first);
        loop {
            step = match step {
                Step::Send(out) => exchange.on_response(
                    self.send(out.request).map_err(Failure::Transport)?,
                    SystemTime::now(),
                )?,
                Step::NeedKeys(k) => {
                    let keys =
                        self.cached(&self.jwks, k.jwks_uri.as_str(), k.kid.as_deref(), k.refresh)?;
                    exchange.on_keys(&keys, SystemTime::now())?
                }
                Step::Done(out) => return Ok(out),
            };
        }
    }

    fn handle(&self, request: &http::Request<()>) -> http::Response<Vec<u8>> {
        let query = request.uri().query();
        let cookies: Vec<String> = sesame_core::cookie::cookie_headers(request.headers())
            .map(str::to_owned)
            .collect();
        match (request.method(), request.uri().path()) {
            (&http::Method::GET, "/login") => self.login(query).unwrap_or_else(|f| f.to_response()),
            (&http::Method::GET, "/callback") => {
                let (result, clear) = self.callback(query, &cookies);
                let mut response = result.unwrap_or_else(|f| f.to_response());
                sesame_core::cookie::append_cookies(response.headers_mut(), clear);
                response
            }
            _ => sesame_core::response::json_response(
                404,
                &serde_json::json!({"error": "not_found"}),
            ),
        }
    }
}

/// Reads one request head (bounded: 16 KiB, 5 s) from a connection.
fn read_request(stream: &mut TcpStream) -> Option<http::Request<()>> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).ok().filter(|n| *n > 0)?;
        head.extend_from_slice(buf.get(..n)?);
        if head.len() > 16 * 1024 {
            return None;
        }
    }
    let text = std::str::from_utf8(&head).ok()?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let mut builder = http::Request::builder()
        .method(first.next()?)
        .uri(first.next()?);
    for line in lines.take_while(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        builder = builder.header(name.trim(), value.trim());
    }
    builder.body(()).ok()
}

/// Writes a response and closes the connection.
fn write_response(stream: &mut TcpStream, response: &http::Response<Vec<u8>>) {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-length: {}\r\nconnection: close\r\n",
        response.status().as_u16(),
        response.status().canonical_reason().unwrap_or(""),
        response.body().len()
    )
    .into_bytes();
    for (name, value) in response.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(response.body());
    let _ = stream.write_all(&out);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = oidc_login_config::from_env()?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let app = Arc::new(App {
        service: settings.service,
        agent,
        metadata: Mutex::new(MetadataCache::default()),
        jwks: Mutex::new(JwksCache::default()),
        rng: ring::rand::SystemRandom::new(),
    });
    let listener = Arc::new(TcpListener::bind(&settings.bind)?);
    println!("listening on http://{}", listener.local_addr()?);
    // A few worker threads, each accepting and serving one connection at a time.
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (listener, app) = (Arc::clone(&listener), Arc::clone(&app));
            std::thread::spawn(move || {
                while let Ok((mut stream, _)) = listener.accept() {
                    let response = match read_request(&mut stream) {
                        Some(request) => app.handle(&request),
                        None => sesame_core::response::json_response(
                            400,
                            &serde_json::json!({"error": "invalid_request"}),
                        ),
                    };
                    write_response(&mut stream, &response);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}
