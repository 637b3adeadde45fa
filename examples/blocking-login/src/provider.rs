//! The provider side: `ureq` carries the core's requests, the metadata and
//! JWKS caches decide when to fetch, and the driver loop of
//! [`sesame_core::step`] runs logins and refreshes to their end.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use sesame_core::cache::{Document, JwksCache, Lookup, MetadataCache, RemoteCache};
use sesame_core::client::Client;
use sesame_core::discovery::ProviderMetadata;
use sesame_core::idtoken::IdTokenClaims;
use sesame_core::jose::JwkSet;
use sesame_core::login::{self, TransportFailure};
use sesame_core::session::SessionError;
use sesame_core::step::{Exchange, Outgoing, Step};
use sesame_core::{LoginError, Secret, Tokens};

/// The most a provider's answer may weigh.
const MAX_RESPONSE: u64 = 1024 * 1024;

/// A failure on the way to an answer: the protocol's, the network's, or
/// the session's.
#[derive(Debug)]
pub enum Failure {
    /// The protocol refused something (the core's answer).
    Login(LoginError),
    /// The provider could not be reached, or too slowly.
    Transport(TransportFailure),
    /// The session could not be used (none, ended, store down, …).
    Session(SessionError),
}

impl From<LoginError> for Failure {
    fn from(e: LoginError) -> Self {
        Failure::Login(e)
    }
}

impl From<SessionError> for Failure {
    fn from(e: SessionError) -> Self {
        Failure::Session(e)
    }
}

impl Failure {
    /// The JSON error answer (no internals).
    pub fn to_response(&self) -> http::Response<Vec<u8>> {
        match self {
            Failure::Login(e) => login::error_response(e),
            Failure::Transport(t) => t.to_response("the identity provider could not be reached"),
            Failure::Session(e) => e.to_response(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The way to the providers: the HTTP agent and the shared caches.
#[derive(Debug)]
pub struct Upstream {
    agent: ureq::Agent,
    metadata: Mutex<MetadataCache>,
    jwks: Mutex<JwksCache>,
}

impl Upstream {
    /// With this agent (no redirects, bounded time) and empty caches.
    pub fn new(agent: ureq::Agent) -> Self {
        Self {
            agent,
            metadata: Mutex::new(MetadataCache::default()),
            jwks: Mutex::new(JwksCache::default()),
        }
    }

    /// Executes one request: no redirects, bounded time and size.
    pub fn send(
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
            .limit(MAX_RESPONSE)
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
        let mut cache = lock(cache);
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

    /// The provider's metadata: fixed, or discovered and cached.
    pub fn metadata(&self, client: &Client) -> Result<Arc<ProviderMetadata>, Failure> {
        match client.provider().static_metadata() {
            Some(m) => Ok(Arc::clone(m)),
            None => self.cached(
                &self.metadata,
                &client.provider().metadata_key().unwrap_or_default(),
                None,
                false,
            ),
        }
    }

    /// The key set at `jwks_uri` (cached; `refresh` asks for a refetch,
    /// which the cache rate-limits).
    pub fn keys(
        &self,
        jwks_uri: &str,
        kid: Option<&str>,
        refresh: bool,
    ) -> Result<Arc<JwkSet>, Failure> {
        self.cached(&self.jwks, jwks_uri, kid, refresh)
    }

    /// The whole driver loop: move requests and keys, pass `now`.
    pub fn drive<E: Exchange<Error = LoginError>>(
        &self,
        exchange: E,
        first: Outgoing,
    ) -> Result<E::Output, Failure> {
        self.run(exchange, Step::Send(first))
    }

    /// The run loop from any first step (a login's start may already be done).
    pub fn run<E: Exchange<Error = LoginError>>(
        &self,
        mut exchange: E,
        mut step: Step<E::Output>,
    ) -> Result<E::Output, Failure> {
        loop {
            step = match step {
                Step::Send(out) => exchange.on_response(
                    self.send(out.request).map_err(Failure::Transport)?,
                    SystemTime::now(),
                )?,
                Step::NeedKeys(k) => {
                    let keys = self.keys(k.jwks_uri.as_str(), k.kid.as_deref(), k.refresh)?;
                    exchange.on_keys(&keys, SystemTime::now())?
                }
                Step::Done(out) => return Ok(out),
            };
        }
    }

    /// Refreshes tokens. `previous` is the login's ID token claims, if any
    /// (a new ID token must match them); `login_key` the session's own DPoP
    /// key, if it has one.
    pub fn refresh(
        &self,
        client: &Client,
        refresh_token: &Secret,
        previous: Option<&IdTokenClaims>,
        login_key: Option<&sesame_core::dpop::LoginKey>,
    ) -> Result<Tokens, Failure> {
        let meta = self.metadata(client)?;
        let (exchange, first) = client.refresh_bound(
            meta,
            refresh_token,
            previous,
            login_key,
            SystemTime::now(),
            &ring::rand::SystemRandom::new(),
        )?;
        self.drive(exchange, first)
    }
}
