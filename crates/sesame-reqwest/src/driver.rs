use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use sesame_core::audit::{AuditEvent, AUDIT_TARGET};
use sesame_core::cache::{CachePolicy, Document, JwksCache, Lookup, MetadataCache, RemoteCache};
use sesame_core::client::{CallbackParams, Client, Login, LoginExchange};
use sesame_core::discovery::ProviderMetadata;
use sesame_core::idtoken::IdTokenClaims;
use sesame_core::jose::JwkSet;
use sesame_core::login::{LoginRedirect, LoginService, TransportFailure};
use sesame_core::protocol::Endpoint;
use sesame_core::step::{Exchange, KeyRequest, Outgoing, Step};
use sesame_core::{LoginError, Secret, Tokens};
use tokio::sync::Notify;

use crate::{HttpClient, HttpError};

/// A failure of a login or refresh driven over the network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The protocol refused something (see [`LoginError`] for who is at fault).
    #[error(transparent)]
    Login(#[from] LoginError),
    /// A call to the provider failed at the transport level.
    #[error("{endpoint} call failed: {source}")]
    Http {
        /// Which call.
        endpoint: Endpoint,
        /// What went wrong.
        source: HttpError,
    },
    /// The whole callback (token, keys, profile calls) took longer than
    /// [`CALLBACK_TIMEOUT`].
    #[error("provider did not answer in time")]
    Deadline,
    /// The provider's metadata or keys could not be obtained or used.
    #[error("provider {0} unavailable")]
    Unavailable(Endpoint),
    /// The session could not be used (none, ended, store down, …).
    #[error(transparent)]
    Session(#[from] sesame_core::session::SessionError),
}

impl Error {
    /// Below-HTTP failures, as the core classifies them.
    fn transport(&self) -> TransportFailure {
        match self {
            Error::Http {
                source: HttpError::Timeout,
                ..
            }
            | Error::Deadline => TransportFailure::Timeout,
            _ => TransportFailure::Unreachable,
        }
    }

    /// The HTTP status an adapter answers with: the core's for protocol
    /// errors, 504 for timeouts, 502 for other provider failures.
    pub fn status(&self) -> u16 {
        match self {
            Error::Login(e) => e.status(),
            Error::Session(e) => e.status(),
            other => other.transport().status(),
        }
    }

    /// A short machine-readable code for JSON error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Login(e) => e.code(),
            Error::Session(e) => e.code(),
            other => other.transport().code(),
        }
    }

    /// The JSON error response (`{"error", "error_description"}`), no internals.
    pub fn to_response(&self) -> http::Response<Vec<u8>> {
        match self {
            Error::Login(e) => sesame_core::login::error_response(e),
            Error::Session(e) => e.to_response(),
            other => other.transport().to_response(&other.to_string()),
        }
    }
}

/// How the run loop ended without a result: the exchange refused, or a
/// request of it could not be carried out.
#[derive(Debug)]
pub enum Drive<E> {
    /// The exchange's own error.
    Exchange(E),
    /// A request or key fetch failed at the transport level.
    Transport(Error),
}

/// The outcome of a callback, and the cookie to clear whatever happened.
#[derive(Debug)]
pub struct CallbackOutcome {
    /// The login, or why it failed.
    pub result: Result<Login, Error>,
    /// A `Set-Cookie` value clearing the login's cookie.
    pub clear_cookie: Option<String>,
}

impl CallbackOutcome {
    /// Adds the cookie clearing to the app's response headers (success or error).
    pub fn finish(clear_cookie: Option<String>, headers: &mut http::HeaderMap) {
        sesame_core::cookie::append_cookies(headers, clear_cookie);
    }
}

/// The longest a whole callback (token, keys, userinfo) may take.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(30);

/// Drives Sesame's protocol over reqwest, with shared metadata and JWKS caches.
///
/// One `Sesame` serves every provider and every concurrent login; it holds
/// no per-login state. Clone the `Arc` you keep it in.
#[derive(Debug)]
pub struct Sesame {
    http: HttpClient,
    jwks: Mutex<JwksCache>,
    metadata: Mutex<MetadataCache>,
    fetched: Notify,
    rng: sesame_core::random::BufferedRandom,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Marks an in-flight fetch as abandoned if the fetching future is dropped.
struct FetchGuard<'a, T: Document> {
    cache: &'a Mutex<RemoteCache<T>>,
    key: &'a str,
    notify: &'a Notify,
    armed: bool,
}

impl<T: Document> Drop for FetchGuard<'_, T> {
    fn drop(&mut self) {
        if self.armed {
            lock(self.cache).abandon(self.key);
        }
        self.notify.notify_waiters();
    }
}

impl Sesame {
    /// A driver with the default [`HttpClient`] and cache policy.
    pub fn new() -> Result<Self, HttpError> {
        Ok(Self::with_client(
            HttpClient::new()?,
            CachePolicy::default(),
        ))
    }

    /// A driver with your HTTP client and cache policy.
    pub fn with_client(http: HttpClient, policy: CachePolicy) -> Self {
        Self {
            http,
            jwks: Mutex::new(JwksCache::new(policy)),
            metadata: Mutex::new(MetadataCache::new(policy)),
            fetched: Notify::new(),
            rng: sesame_core::random::BufferedRandom::new(),
        }
    }

    /// The HTTP client.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The provider's metadata: fixed, or discovered and cached.
    pub async fn metadata(&self, client: &Client) -> Result<Arc<ProviderMetadata>, Error> {
        if let Some(m) = client.provider().static_metadata() {
            return Ok(Arc::clone(m));
        }
        self.discover(&client.provider().metadata_key().unwrap_or_default())
            .await
    }

    /// An issuer's discovered metadata (cached). `key` is an issuer URL, or a
    /// [`sesame_core::discovery::cache_key`] for templated issuers.
    pub async fn discover(&self, key: &str) -> Result<Arc<ProviderMetadata>, Error> {
        self.cached(&self.metadata, key, None, false, Endpoint::Discovery)
            .await
    }

    /// The key set a [`KeyRequest`] asks for, from the cache or fetched.
    pub async fn keys(&self, request: &KeyRequest) -> Result<Arc<JwkSet>, Error> {
        self.cached(
            &self.jwks,
            request.jwks_uri.as_str(),
            request.kid.as_deref(),
            request.refresh,
            Endpoint::Jwks,
        )
        .await
    }

    async fn cached<T: Document>(
        &self,
        cache: &Mutex<RemoteCache<T>>,
        key: &str,
        kid: Option<&str>,
        force: bool,
        endpoint: Endpoint,
    ) -> Result<Arc<T>, Error> {
        let deadline = tokio::time::Instant::now() + self.http.timeout() + Duration::from_secs(1);
        loop {
            let notified = self.fetched.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let decision = lock(cache).lookup(key, kid, force, SystemTime::now());
            match decision {
                Lookup::Use(doc) => return Ok(doc),
                Lookup::Unavailable => return Err(Error::Unavailable(endpoint)),
                Lookup::Wait => {
                    if tokio::time::timeout_at(deadline, notified).await.is_err() {
                        return Err(Error::Http {
                            endpoint,
                            source: HttpError::Timeout,
                        });
                    }
                }
                Lookup::Fetch(request) => {
                    let mut guard = FetchGuard {
                        cache,
                        key,
                        notify: &self.fetched,
                        armed: true,
                    };
                    tracing::debug!(%endpoint, "fetching provider document");
                    let result = self.http.execute(request).await;
                    let now = SystemTime::now();
                    let mut c = lock(cache);
                    guard.armed = false;
                    return match result {
                        Ok(resp) => match c.store(key, &resp, now) {
                            Ok(doc) => Ok(doc),
                            Err(e) => {
                                tracing::warn!(%endpoint, error = ?e, "provider document refused");
                                c.get(key).ok_or(Error::Unavailable(endpoint))
                            }
                        },
                        Err(source) => {
                            tracing::warn!(%endpoint, %source, "provider document fetch failed");
                            c.fetch_failed(key, now)
                                .ok_or(Error::Http { endpoint, source })
                        }
                    };
                }
            }
        }
    }

    /// Sends one request of the protocol; a transport failure names its endpoint.
    pub async fn send(&self, out: Outgoing) -> Result<http::Response<Vec<u8>>, Error> {
        let Outgoing { endpoint, request } = out;
        self.http
            .execute(request)
            .await
            .map_err(|source| Error::Http { endpoint, source })
    }

    /// The run loop of [`sesame_core::step`]: sends what the exchange asks
    /// to send, gets the keys it asks for (through the cache), until it is
    /// done. A transport failure ends it as [`Drive::Transport`].
    pub async fn run<E: Exchange + Send>(
        &self,
        exchange: &mut E,
        mut step: Step<E::Output>,
    ) -> Result<E::Output, Drive<E::Error>> {
        loop {
            step = match step {
                Step::Send(out) => {
                    let resp = self.send(out).await.map_err(Drive::Transport)?;
                    exchange
                        .on_response(resp, SystemTime::now())
                        .map_err(Drive::Exchange)?
                }
                Step::NeedKeys(k) => {
                    let keys = self.keys(&k).await.map_err(Drive::Transport)?;
                    exchange
                        .on_keys(&keys, SystemTime::now())
                        .map_err(Drive::Exchange)?
                }
                Step::Done(out) => return Ok(out),
            };
        }
    }

    /// Drives a login or refresh exchange to its end.
    pub async fn drive<E>(&self, mut exchange: E, first: Outgoing) -> Result<E::Output, Error>
    where
        E: Exchange<Error = LoginError> + Send,
    {
        self.run(&mut exchange, Step::Send(first))
            .await
            .map_err(|e| match e {
                Drive::Exchange(e) => Error::Login(e),
                Drive::Transport(e) => e,
            })
    }

    /// Drives a login exchange to its end.
    pub async fn drive_login(
        &self,
        exchange: LoginExchange,
        first: Outgoing,
    ) -> Result<Login, Error> {
        self.drive(exchange, first).await
    }

    /// Refreshes tokens. `previous` is the original ID token's claims, if any.
    pub async fn refresh(
        &self,
        client: &Client,
        refresh_token: &Secret,
        previous: Option<&IdTokenClaims>,
    ) -> Result<Tokens, Error> {
        self.refresh_bound(client, refresh_token, previous, None)
            .await
    }

    /// Refreshes tokens bound to a login's own DPoP key (`login_key`,
    /// [`Tokens::dpop_key`]; `None` for the client's one key, see
    /// [`Client::refresh_bound`]).
    pub async fn refresh_bound(
        &self,
        client: &Client,
        refresh_token: &Secret,
        previous: Option<&IdTokenClaims>,
        login_key: Option<&sesame_core::dpop::LoginKey>,
    ) -> Result<Tokens, Error> {
        let meta = self.metadata(client).await?;
        let (exchange, first) = client.refresh_bound(
            meta,
            refresh_token,
            previous,
            login_key,
            SystemTime::now(),
            &self.rng,
        )?;
        self.drive(exchange, first).await
    }

    /// `GET /{provider}/login?return_to=…` as a whole HTTP answer: a 303 with
    /// the login cookie, or a JSON error.
    pub async fn login_response(
        &self,
        service: &LoginService,
        provider_id: &str,
        query: Option<&str>,
    ) -> http::Response<Vec<u8>> {
        let begun = std::time::Instant::now();
        let started = async {
            let client = service.client(provider_id)?;
            let meta = self.metadata(client).await?;
            self.begin_login(service, provider_id, &meta, query).await
        };
        let response = match started.await {
            Ok(redirect) => {
                crate::audit::duration("login", "ok", begun);
                redirect.to_response()
            }
            Err(e) => {
                crate::audit::duration("login", e.code(), begun);
                tracing::info!(
                    provider = provider_id,
                    code = e.code(),
                    "login could not start"
                );
                e.to_response()
            }
        };
        response
    }

    /// `GET /{provider}/login`: the redirect to the provider and the cookie to set.
    pub async fn start_login(
        &self,
        service: &LoginService,
        provider_id: &str,
        return_to: Option<&str>,
    ) -> Result<LoginRedirect, Error> {
        let client = service.client(provider_id)?;
        let meta = self.metadata(client).await?;
        let query = return_to.map(|r| {
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("return_to", r)
                .finish()
        });
        self.begin_login(service, provider_id, &meta, query.as_deref())
            .await
    }

    /// Starts a login from the login route's query: pushes its request
    /// first when the provider offers pushed requests (RFC 9126).
    async fn begin_login(
        &self,
        service: &LoginService,
        provider_id: &str,
        meta: &sesame_core::discovery::ProviderMetadata,
        query: Option<&str>,
    ) -> Result<LoginRedirect, Error> {
        let (mut start, first) =
            service.begin(provider_id, meta, query, SystemTime::now(), &self.rng)?;
        self.run(&mut start, first).await.map_err(|e| match e {
            Drive::Exchange(e) => Error::Login(e),
            Drive::Transport(e) => e,
        })
    }

    /// `GET|POST /{provider}/callback` with the adapter's raw inputs: the
    /// query string or form body and the `Cookie` headers. Bounded by
    /// [`CALLBACK_TIMEOUT`] (a slow provider gives 504, never a hang).
    pub async fn callback<'a>(
        &self,
        service: &LoginService,
        provider_id: &str,
        query: Option<&str>,
        form: Option<&[u8]>,
        cookie_headers: impl IntoIterator<Item = &'a str>,
    ) -> CallbackOutcome {
        use tracing::Instrument;
        let started = std::time::Instant::now();
        let span = tracing::info_span!("sesame.callback", provider = provider_id);
        let params = sesame_core::login::callback_params(query, form);
        // Boxed: the exchange's future is large (several kB), and the
        // handler futures around it are moved before they run.
        let run = Box::pin(self.complete_login(service, provider_id, params, cookie_headers));
        let outcome = match tokio::time::timeout(CALLBACK_TIMEOUT, run)
            .instrument(span)
            .await
        {
            Ok(outcome) => outcome,
            Err(_) => CallbackOutcome {
                result: Err(Error::Deadline),
                clear_cookie: None,
            },
        };
        let code = match &outcome.result {
            Ok(_) => "ok",
            Err(e) => e.code(),
        };
        crate::audit::duration("callback", code, started);
        outcome
    }

    /// `GET|POST /{provider}/callback`: the whole callback, from parameters
    /// and `Cookie` headers to a login.
    pub async fn complete_login<'a>(
        &self,
        service: &LoginService,
        provider_id: &str,
        params: Result<CallbackParams, LoginError>,
        cookie_headers: impl IntoIterator<Item = &'a str>,
    ) -> CallbackOutcome {
        let params = match params {
            Ok(p) => p,
            Err(e) => {
                return CallbackOutcome {
                    result: Err(e.into()),
                    clear_cookie: None,
                }
            }
        };
        let client = match service.client(provider_id) {
            Ok(c) => c,
            Err(e) => {
                return CallbackOutcome {
                    result: Err(e.into()),
                    clear_cookie: None,
                }
            }
        };
        let meta = match self.metadata(client).await {
            Ok(m) => m,
            Err(e) => {
                return CallbackOutcome {
                    result: Err(e),
                    clear_cookie: None,
                }
            }
        };
        let start = service.callback(
            provider_id,
            meta,
            &params,
            cookie_headers,
            SystemTime::now(),
            &self.rng,
        );
        let result = match start.result {
            Ok((exchange, first)) => self.drive_login(exchange, first).await,
            Err(e) => Err(e.into()),
        };
        match &result {
            Ok(_) => {
                crate::audit::count(AuditEvent::LoginSucceeded);
                tracing::info!(target: AUDIT_TARGET, event = %AuditEvent::LoginSucceeded, provider = provider_id, "login succeeded");
            }
            Err(e) => {
                crate::audit::count(AuditEvent::LoginFailed);
                tracing::info!(target: AUDIT_TARGET, event = %AuditEvent::LoginFailed, provider = provider_id, code = e.code(), "login failed");
            }
        }
        CallbackOutcome {
            result,
            clear_cookie: start.clear_cookie,
        }
    }
}
