//! "Login with any OpenID Provider" for a synchronous app, with sessions:
//! a minimal `std::net` HTTP/1.1 server (one request per connection, a few
//! worker threads) serves the routes, `ureq` executes the core's requests,
//! and the sessions live in memory or in Redis (its synchronous client).
//! There is no async runtime anywhere in this program.
//!
//! The driver only moves requests, responses and store values between
//! `sesame-core` and the network and passes `now` and randomness in; every
//! rule (cookies, state, PKCE, ID tokens, JWKS caching policy, sessions,
//! refresh, logout, error answers) is the core's. Same env and HTTP
//! contract as `axum-oidc-login` (see `oidc-login-config`), except that a
//! Redis Cluster value of `SESAME_SESSION_STORE` is refused at startup
//! (one Redis node only, see [`store`]).
//!
//! | file | what |
//! |---|---|
//! | `main.rs` | the app: its routes |
//! | `server.rs` | reading a request (head and bounded body), writing the answer |
//! | `provider.rs` | the provider: HTTP calls, metadata and JWKS caches, the driver loop |
//! | `sessions.rs` | the session driver: load/save, refresh, logout, back-channel logout |
//! | `store.rs` | the blocking session store: memory or Redis |

mod provider;
mod server;
mod sessions;
mod store;

use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use oidc_login_config::PROVIDER;
use sesame_core::client::Login;
use sesame_core::login::{self, LoginService};
use sesame_core::response::json_response;

use provider::{Failure, Upstream};
use sessions::{SessionDriver, Slot};

/// The routes, and the methods each answers.
const ROUTES: &[(&str, &str)] = &[
    ("/login", "GET"),
    ("/callback", "GET"),
    ("/me", "GET"),
    ("/userinfo", "GET"),
    ("/", "GET"),
    ("/logout", "GET"),
    ("/logout/callback", "GET"),
    ("/backchannel-logout", "POST"),
];

struct App {
    service: Arc<LoginService>,
    upstream: Arc<Upstream>,
    sessions: SessionDriver,
    rng: ring::rand::SystemRandom,
}

impl App {
    /// `GET /login`.
    fn login(&self, query: Option<&str>) -> Result<http::Response<Vec<u8>>, Failure> {
        let meta = self.upstream.metadata(self.service.client(PROVIDER)?)?;
        // Pushed first (RFC 9126) when the provider offers it.
        let (start, first) =
            self.service
                .begin(PROVIDER, &meta, query, SystemTime::now(), &self.rng)?;
        Ok(self.upstream.run(start, first)?.to_response())
    }

    /// The login of a callback, the login cookie's clearing, and the state
    /// the provider sent back (which an account-link request is bound to).
    fn complete_login(
        &self,
        query: Option<&str>,
        headers: &http::HeaderMap,
    ) -> (Result<Login, Failure>, Option<String>, Option<String>) {
        let params = match login::callback_params(query, None) {
            Ok(p) => p,
            Err(e) => return (Err(e.into()), None, None),
        };
        let meta = match self
            .service
            .client(PROVIDER)
            .map_err(Failure::from)
            .and_then(|c| self.upstream.metadata(c))
        {
            Ok(m) => m,
            Err(e) => return (Err(e), None, None),
        };
        let start = self.service.callback(
            PROVIDER,
            meta,
            &params,
            sesame_core::cookie::cookie_headers(headers),
            SystemTime::now(),
            &self.rng,
        );
        let result = start
            .result
            .map_err(Failure::from)
            .and_then(|(exchange, first)| self.upstream.drive(exchange, first));
        (result, start.clear_cookie, params.state)
    }

    /// `GET /callback`: the login becomes a session (a fresh one; the
    /// browser's previous session ends), answered with the identity JSON.
    fn callback(&self, query: Option<&str>, headers: &http::HeaderMap) -> http::Response<Vec<u8>> {
        let (result, clear, state) = self.complete_login(query, headers);
        let (mut response, cookies) = match result {
            Ok(login) => match self.sessions.start(&login, headers, state.as_deref()) {
                Ok((_, cookies)) => (
                    json_response(200, &serde_json::json!(login.identity)),
                    cookies,
                ),
                Err(e) => (e.to_response(), Vec::new()),
            },
            Err(f) => (f.to_response(), Vec::new()),
        };
        sesame_core::cookie::append_cookies(response.headers_mut(), clear);
        sesame_core::cookie::append_cookies(response.headers_mut(), cookies);
        response
    }

    /// Runs `handler` with the request's session, then saves the session
    /// when it changed (or clears the cookie of a dead one).
    fn with_session(
        &self,
        headers: &http::HeaderMap,
        handler: impl FnOnce(&mut Slot) -> http::Response<Vec<u8>>,
    ) -> http::Response<Vec<u8>> {
        let mut slot = self.sessions.load(headers);
        let mut response = handler(&mut slot);
        let cookies = slot.finish(&self.sessions);
        sesame_core::cookie::append_cookies(response.headers_mut(), cookies);
        response
    }

    /// `GET /me`: who is signed in, or 401.
    fn me(&self, slot: &mut Slot) -> http::Response<Vec<u8>> {
        match slot.session() {
            Ok(s) => json_response(200, &serde_json::json!(s.identity)),
            Err(e) => e.to_response(),
        }
    }

    /// `GET /userinfo`: the provider's userinfo with the session's access
    /// token (refreshed when due).
    fn userinfo(&self, slot: &mut Slot) -> http::Response<Vec<u8>> {
        match slot.userinfo(&self.sessions) {
            Ok(info) => json_response(200, &info),
            Err(f) => f.to_response(),
        }
    }

    /// `GET /`.
    fn home(&self, slot: &mut Slot) -> http::Response<Vec<u8>> {
        match slot.signed_in() {
            Ok(signed_in) => json_response(200, &serde_json::json!({ "signed_in": signed_in })),
            Err(e) => e.to_response(),
        }
    }

    /// `GET /logout/callback`: the state checks out → 303 to `/`; else 400.
    fn logout_callback(
        &self,
        query: Option<&str>,
        headers: &http::HeaderMap,
    ) -> http::Response<Vec<u8>> {
        let (result, clear) = self.sessions.logout_return(query, headers);
        let mut response = match result {
            Ok(()) => sesame_core::response::see_other("/"),
            Err(e) => e.to_response(),
        };
        sesame_core::cookie::append_cookies(response.headers_mut(), [clear]);
        response
    }

    fn handle(&self, request: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        let query = request.uri().query();
        let headers = request.headers();
        match (request.method().as_str(), request.uri().path()) {
            ("GET", "/login") => self.login(query).unwrap_or_else(|f| f.to_response()),
            ("GET", "/callback") => self.callback(query, headers),
            ("GET", "/me") => self.with_session(headers, |slot| self.me(slot)),
            ("GET", "/userinfo") => self.with_session(headers, |slot| self.userinfo(slot)),
            ("GET", "/") => self.with_session(headers, |slot| self.home(slot)),
            ("GET", "/logout") => self.sessions.logout(headers),
            ("GET", "/logout/callback") => self.logout_callback(query, headers),
            ("POST", "/backchannel-logout") => self.sessions.backchannel_logout(request.body()),
            (_, path) => match ROUTES.iter().find(|(p, _)| *p == path) {
                Some((_, allowed)) => {
                    let mut r =
                        json_response(405, &serde_json::json!({"error": "method_not_allowed"}));
                    r.headers_mut()
                        .insert(http::header::ALLOW, http::HeaderValue::from_static(allowed));
                    r
                }
                None => json_response(404, &serde_json::json!({"error": "not_found"})),
            },
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = oidc_login_config::from_env()?;
    let store = store::open(&settings.session_store)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let service = Arc::new(settings.service);
    let upstream = Arc::new(Upstream::new(agent));
    let sessions = SessionDriver::new(
        settings.sessions,
        store,
        Arc::clone(&service),
        Arc::clone(&upstream),
        settings.post_logout_redirect_uri,
    );
    let app = Arc::new(App {
        service,
        upstream,
        sessions,
        rng: ring::rand::SystemRandom::new(),
    });
    let listener = Arc::new(TcpListener::bind(&settings.bind)?);
    println!("listening on http://{}", listener.local_addr()?);
    // A few worker threads, each accepting and serving one connection at a time.
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (listener, app) = (Arc::clone(&listener), Arc::clone(&app));
            std::thread::spawn(move || {
                loop {
                    let mut stream = match listener.accept() {
                        Ok((stream, _)) => stream,
                        Err(e) => {
                            // Out of descriptors, a connection reset before
                            // accept: wait a moment, keep the worker.
                            eprintln!("accept failed: {e}");
                            std::thread::sleep(Duration::from_millis(50));
                            continue;
                        }
                    };
                    match server::read_request(&mut stream) {
                        Ok(request) => {
                            // A bug must not take a worker thread down with it.
                            let response =
                                std::panic::catch_unwind(AssertUnwindSafe(|| app.handle(&request)))
                                    .unwrap_or_else(|_| {
                                        json_response(
                                            500,
                                            &serde_json::json!({"error": "internal_error"}),
                                        )
                                    });
                            server::write_response(&mut stream, &response, false);
                        }
                        Err(e) => {
                            if let Some(response) = e.to_response() {
                                server::write_response(&mut stream, &response, true);
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}
