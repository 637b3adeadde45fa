//! The public keys of `private_key_jwt` clients registered by `jwks_uri`
//! ([`RegisteredClient::private_key_jwt_uri`](crate::RegisteredClient::private_key_jwt_uri)).
//!
//! The server does no I/O itself: the app gives it a [`ClientKeysFetcher`]
//! ([`ServerConfig::client_keys_fetcher`](crate::ServerConfig::client_keys_fetcher)),
//! and the fetched sets are cached per URI under sesame-core's policy
//! ([`sesame_core::cache`], tuned by
//! [`ServerConfig::client_keys_cache`](crate::ServerConfig::client_keys_cache)):
//!
//! * a set lives for its `Cache-Control: max-age`, clamped (default 10 min);
//! * an assertion whose `kid` is not in the cached set — the client rotated
//!   its key — triggers one refetch, at most one per
//!   [`CachePolicy::refetch_interval`](sesame_core::cache::CachePolicy::refetch_interval)
//!   per URI, so random `kid`s cannot make the server hammer the client;
//! * when a fetch fails, the keys already held keep working; with none
//!   held, the client is refused (`invalid_client`, uncounted by the
//!   throttle) and the failure is logged at `warn`;
//! * concurrent authentications of one client share one fetch.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::SystemTime;

use sesame_core::cache::{CachePolicy, JwksCache, Lookup};
use sesame_core::jose::JwkSet;
use url::Url;

/// Fetches the JWK Set a client publishes at its `jwks_uri` (RFC 7591
/// §2): one `GET`, answered with the endpoint's response as it came —
/// status, headers (their `Cache-Control` sets how long the set is kept)
/// and body. The server parses the body and treats a non-success status
/// or an unparseable set as a failed fetch.
///
/// sesame-server has no HTTP client: implement this with yours. Give it a
/// timeout (waiting authentications are released only when the fetch
/// returns), follow no redirects, and cap the body (a JWK Set is a few
/// kilobytes; sesame-core refuses sets above 64 KiB anyway).
///
/// ```
/// use sesame_server::{ClientKeysFetcher, KeysFetchError};
///
/// /// Serves one fixed set (a real fetcher does an HTTP GET).
/// #[derive(Debug)]
/// struct Fixed(&'static str);
///
/// #[async_trait::async_trait]
/// impl ClientKeysFetcher for Fixed {
///     async fn fetch(&self, _jwks_uri: &url::Url) -> Result<http::Response<Vec<u8>>, KeysFetchError> {
///         Ok(http::Response::builder()
///             .header("cache-control", "max-age=300")
///             .body(self.0.as_bytes().to_vec())
///             .map_err(|_| KeysFetchError::Unreachable)?)
///     }
/// }
/// let config = sesame_server::ServerConfig::new("https://id.example.com")
///     .client_keys_fetcher(std::sync::Arc::new(Fixed(r#"{"keys":[]}"#)));
/// # let _ = config;
/// ```
#[async_trait::async_trait]
pub trait ClientKeysFetcher: Send + Sync + fmt::Debug {
    /// `GET jwks_uri`: the response, or why there is none.
    async fn fetch(&self, jwks_uri: &Url) -> Result<http::Response<Vec<u8>>, KeysFetchError>;
}

/// Why a client's key set could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeysFetchError {
    /// The endpoint could not be reached (connection refused, DNS, TLS).
    #[error("jwks_uri unreachable")]
    Unreachable,
    /// The endpoint did not answer in time.
    #[error("jwks_uri timed out")]
    Timeout,
    /// The answer was larger than the fetcher accepts.
    #[error("jwks_uri answer too large")]
    TooLarge,
}

/// Why a client's keys are not available for an authentication.
#[derive(Debug)]
pub(crate) struct KeysUnavailable;

/// The per-URI cache of client key sets, and the waiters on its fetches.
pub(crate) struct ClientKeyCache {
    cache: Mutex<JwksCache>,
    fetched: Notifier,
}

impl fmt::Debug for ClientKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKeyCache")
            .field("policy", lock(&self.cache).policy())
            .finish_non_exhaustive()
    }
}

impl ClientKeyCache {
    pub(crate) fn new(policy: CachePolicy) -> Self {
        Self {
            cache: Mutex::new(JwksCache::new(policy)),
            fetched: Notifier::default(),
        }
    }

    /// The key set at `uri` for an assertion naming `kid` (if it does),
    /// from the cache or fetched with `fetcher`. `force` asks for a
    /// (rate-limited) refetch: the held keys did not verify a kid-less
    /// assertion.
    pub(crate) async fn keys(
        &self,
        fetcher: &dyn ClientKeysFetcher,
        client_id: &str,
        uri: &Url,
        kid: Option<&str>,
        force: bool,
        now: SystemTime,
    ) -> Result<Arc<JwkSet>, KeysUnavailable> {
        loop {
            // Taken before the lookup, so that a fetch ending in between
            // is not missed.
            let seen = self.fetched.generation();
            let decision = lock(&self.cache).lookup(uri, kid, force, now);
            match decision {
                Lookup::Use(keys) => return Ok(keys),
                Lookup::Unavailable => {
                    tracing::debug!(client_id, jwks_uri = %uri, "client keys unavailable (a recent fetch failed)");
                    return Err(KeysUnavailable);
                }
                Lookup::Wait => self.fetched.changed(seen).await,
                Lookup::Fetch(_) => return self.fetch(fetcher, client_id, uri, now).await,
            }
        }
    }

    async fn fetch(
        &self,
        fetcher: &dyn ClientKeysFetcher,
        client_id: &str,
        uri: &Url,
        now: SystemTime,
    ) -> Result<Arc<JwkSet>, KeysUnavailable> {
        let mut guard = InFlight {
            owner: self,
            uri,
            armed: true,
        };
        tracing::debug!(client_id, jwks_uri = %uri, "fetching client keys");
        let result = fetcher.fetch(uri).await;
        guard.armed = false;
        let keys = {
            let mut cache = lock(&self.cache);
            match result {
                Ok(resp) => match cache.store(uri, &resp, now) {
                    Ok(keys) => Some(keys),
                    Err(e) => {
                        tracing::warn!(client_id, jwks_uri = %uri, error = %e, "client keys refused; keeping the keys held, if any");
                        cache.get(uri)
                    }
                },
                Err(e) => {
                    tracing::warn!(client_id, jwks_uri = %uri, error = %e, "client keys fetch failed; keeping the keys held, if any");
                    cache.fetch_failed(uri, now)
                }
            }
        };
        self.fetched.notify_all();
        keys.ok_or(KeysUnavailable)
    }
}

/// Clears the in-flight mark of a fetch whose task was dropped, and
/// releases its waiters.
struct InFlight<'a> {
    owner: &'a ClientKeyCache,
    uri: &'a Url,
    armed: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.armed {
            lock(&self.owner.cache).abandon(self.uri);
            self.owner.fetched.notify_all();
        }
    }
}

/// Wakes every task waiting for a fetch to end, without a runtime.
#[derive(Default)]
struct Notifier {
    state: Mutex<(u64, Vec<Waker>)>,
}

impl Notifier {
    fn generation(&self) -> u64 {
        lock(&self.state).0
    }

    fn notify_all(&self) {
        let wakers = {
            let mut s = lock(&self.state);
            s.0 = s.0.wrapping_add(1);
            std::mem::take(&mut s.1)
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    fn changed(&self, seen: u64) -> Changed<'_> {
        Changed {
            notifier: self,
            seen,
        }
    }
}

/// Ready once the notifier's generation differs from `seen`.
struct Changed<'a> {
    notifier: &'a Notifier,
    seen: u64,
}

impl Future for Changed<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = lock(&self.notifier.state);
        if s.0 != self.seen {
            return Poll::Ready(());
        }
        if !s.1.iter().any(|w| w.will_wake(cx.waker())) {
            s.1.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
