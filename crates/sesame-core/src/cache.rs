//! Sans-IO caches for remote documents: JWKS and provider metadata.
//!
//! The cache decides *when* to fetch; the driver fetches. Every driver
//! (sesame-reqwest, a blocking loop, an edge worker) therefore shares one
//! policy:
//!
//! * A document lives for its `Cache-Control: max-age`, clamped between a
//!   floor and a ceiling ([`CachePolicy`]); without one, a default TTL.
//! * A token whose `kid` is unknown asks for a *forced* refetch, at most one
//!   per [`CachePolicy::refetch_interval`] per document, so hostile tokens
//!   with random `kid`s cannot hammer the issuer.
//! * When a fetch fails, the keys already held keep working: a stale
//!   document is better than none while the issuer is down.
//!
//! Concurrency: the cache remembers that a fetch is in flight, so while one
//! task fetches, every other lookup of the same document answers
//! [`Lookup::Wait`] — the driver parks those tasks until the fetch is stored
//! (or fails) and then looks up again. One fetch serves all: no thundering
//! herd. A fetch that is abandoned (the task was cancelled) must be reported
//! with [`RemoteCache::abandon`]; an in-flight mark also expires by itself
//! after [`CachePolicy::in_flight_timeout`].
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use sesame_core::cache::{JwksCache, Lookup};
//! let mut cache = JwksCache::default();
//! let uri: url::Url = "https://id.example.com/jwks".parse().unwrap();
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! assert!(matches!(cache.lookup(&uri, None, false, now), Lookup::Fetch(_)));
//! // A second task asking meanwhile waits for that fetch.
//! assert!(matches!(cache.lookup(&uri, None, false, now), Lookup::Wait));
//! let resp = http::Response::builder()
//!     .header("cache-control", "public, max-age=3600")
//!     .body(br#"{"keys":[]}"#.to_vec()).unwrap();
//! cache.store(&uri, &resp, now).unwrap();
//! assert!(matches!(cache.lookup(&uri, None, false, now), Lookup::Use(_)));
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use url::Url;

use crate::discovery::{DiscoveryError, ProviderMetadata};
use crate::jose::{JoseError, JwkSet};

/// How long documents live and how often they may be refetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CachePolicy {
    /// Lifetime when the response has no usable `max-age`.
    pub default_ttl: Duration,
    /// The shortest lifetime honoured, whatever `max-age` says.
    pub min_ttl: Duration,
    /// The longest lifetime honoured, whatever `max-age` says.
    pub max_ttl: Duration,
    /// Forced refetches (unknown `kid`) happen at most this often.
    pub refetch_interval: Duration,
    /// After a failed fetch, wait this long before trying again (stale data is served meanwhile).
    pub retry_after_failure: Duration,
    /// An in-flight fetch older than this is presumed lost.
    pub in_flight_timeout: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            default_ttl: Duration::from_secs(600),
            min_ttl: Duration::from_secs(60),
            max_ttl: Duration::from_secs(24 * 3600),
            refetch_interval: Duration::from_secs(10),
            retry_after_failure: Duration::from_secs(5),
            in_flight_timeout: Duration::from_secs(30),
        }
    }
}

impl CachePolicy {
    /// Sets the forced-refetch interval.
    pub fn refetch_interval(mut self, d: Duration) -> Self {
        self.refetch_interval = d;
        self
    }

    /// Sets the default TTL.
    pub fn default_ttl(mut self, d: Duration) -> Self {
        self.default_ttl = d;
        self
    }

    /// Sets the TTL floor and ceiling.
    pub fn ttl_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.min_ttl = min;
        self.max_ttl = max.max(min);
        self
    }

    /// The lifetime of a response with these headers.
    pub fn ttl_for(&self, headers: &http::HeaderMap) -> Duration {
        let ttl = max_age(headers).unwrap_or(self.default_ttl);
        ttl.clamp(self.min_ttl, self.max_ttl)
    }
}

/// `max-age` from `Cache-Control`; `no-store`/`no-cache` count as zero.
fn max_age(headers: &http::HeaderMap) -> Option<Duration> {
    let mut found = None;
    for v in headers.get_all(http::header::CACHE_CONTROL) {
        let Ok(v) = v.to_str() else { continue };
        for directive in v.split(',') {
            let d = directive.trim().to_ascii_lowercase();
            if d == "no-store" || d == "no-cache" {
                return Some(Duration::ZERO);
            }
            if let Some(n) = d.strip_prefix("max-age=") {
                if let Ok(secs) = n.trim_matches('"').parse::<u64>() {
                    found = Some(Duration::from_secs(secs));
                }
            }
        }
    }
    found
}

/// What the driver should do for a lookup.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // transient, moved once; boxing buys nothing
pub enum Lookup<T> {
    /// Use this document.
    Use(Arc<T>),
    /// Fetch with this request, then call [`RemoteCache::store`] (or
    /// [`RemoteCache::fetch_failed`], or [`RemoteCache::abandon`]).
    Fetch(http::Request<Vec<u8>>),
    /// Another task is fetching this document: wait until it is stored or
    /// fails, then look up again.
    Wait,
    /// Nothing is held and the last fetch failed moments ago.
    Unavailable,
}

/// A parsed document the cache can hold.
pub trait Document: Sized + Send + Sync {
    /// The parse error.
    type Error: std::fmt::Debug;
    /// Parses a successful response body fetched from `key`.
    fn parse(key: &str, body: &[u8]) -> Result<Self, Self::Error>;
    /// Whether the document names this key id (only meaningful for key sets).
    fn has_kid(&self, _kid: &str) -> bool {
        true
    }
    /// The URL a document for `key` is fetched from.
    fn url(key: &str) -> Result<Url, Self::Error>;
}

impl Document for JwkSet {
    type Error = JoseError;
    fn parse(_key: &str, body: &[u8]) -> Result<Self, JoseError> {
        JwkSet::parse(body)
    }
    fn has_kid(&self, kid: &str) -> bool {
        self.contains_kid(kid)
    }
    fn url(key: &str) -> Result<Url, JoseError> {
        Url::parse(key).map_err(|_| JoseError::MalformedKey)
    }
}

impl Document for ProviderMetadata {
    type Error = DiscoveryError;
    fn parse(key: &str, body: &[u8]) -> Result<Self, DiscoveryError> {
        ProviderMetadata::from_json(crate::discovery::split_cache_key(key).1, body)
    }
    fn url(key: &str) -> Result<Url, DiscoveryError> {
        crate::discovery::discovery_url(crate::discovery::split_cache_key(key).0)
    }
}

#[derive(Debug)]
struct Entry<T> {
    doc: Option<Arc<T>>,
    expires_at: SystemTime,
    last_forced: Option<SystemTime>,
    failed_at: Option<SystemTime>,
    in_flight: Option<SystemTime>,
}

impl<T> Entry<T> {
    fn empty(now: SystemTime) -> Self {
        Self {
            doc: None,
            expires_at: now,
            last_forced: None,
            failed_at: None,
            in_flight: None,
        }
    }
}

/// A cache of remote documents keyed by URL (JWKS) or issuer (metadata).
#[derive(Debug)]
pub struct RemoteCache<T> {
    policy: CachePolicy,
    entries: HashMap<String, Entry<T>>,
}

/// Key sets by `jwks_uri`.
pub type JwksCache = RemoteCache<JwkSet>;
/// Provider metadata by issuer.
pub type MetadataCache = RemoteCache<ProviderMetadata>;

impl<T> Default for RemoteCache<T> {
    fn default() -> Self {
        Self {
            policy: CachePolicy::default(),
            entries: HashMap::new(),
        }
    }
}

impl<T: Document> RemoteCache<T> {
    /// An empty cache with this policy.
    pub fn new(policy: CachePolicy) -> Self {
        Self {
            policy,
            entries: HashMap::new(),
        }
    }

    /// The policy.
    pub fn policy(&self) -> &CachePolicy {
        &self.policy
    }

    /// Decides between using the held document and fetching.
    ///
    /// `kid` is the key id a token needs; `force` asks for a refetch because
    /// the held keys did not verify the token. Forced refetches (and a `kid`
    /// missing from the held set) are rate-limited by
    /// [`CachePolicy::refetch_interval`].
    pub fn lookup(
        &mut self,
        key: impl AsKey,
        kid: Option<&str>,
        force: bool,
        now: SystemTime,
    ) -> Lookup<T> {
        let key = key.as_key();
        let policy = self.policy;
        let entry = self
            .entries
            .entry(key.clone())
            .or_insert_with(|| Entry::empty(now));
        if recent(entry.in_flight, policy.in_flight_timeout, now) {
            return Lookup::Wait;
        }
        match entry.doc.clone() {
            None if recent(entry.failed_at, policy.retry_after_failure, now) => {
                return Lookup::Unavailable
            }
            None => {}
            Some(doc) => {
                let wants_refetch = force || kid.is_some_and(|k| !doc.has_kid(k));
                if wants_refetch && !recent(entry.last_forced, policy.refetch_interval, now) {
                    entry.last_forced = Some(now);
                } else if now < entry.expires_at
                    || recent(entry.failed_at, policy.retry_after_failure, now)
                {
                    return Lookup::Use(doc);
                }
            }
        }
        entry.in_flight = Some(now);
        fetch::<T>(&key)
    }

    /// Forgets an in-flight mark without a result (the fetching task was cancelled).
    pub fn abandon(&mut self, key: impl AsKey) {
        if let Some(e) = self.entries.get_mut(&key.as_key()) {
            e.in_flight = None;
        }
    }

    /// Stores a fetched response. A non-success status or an unparseable
    /// body counts as a failed fetch: the previous document is kept.
    pub fn store(
        &mut self,
        key: impl AsKey,
        response: &http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<Arc<T>, DocumentRefused<T::Error>> {
        let key = key.as_key();
        if !response.status().is_success() {
            self.fetch_failed(&key, now);
            return Err(DocumentRefused::Status(response.status().as_u16()));
        }
        match T::parse(&key, response.body()) {
            Ok(doc) => {
                let doc = Arc::new(doc);
                let ttl = self.policy.ttl_for(response.headers());
                let entry = self.entries.entry(key).or_insert_with(|| Entry::empty(now));
                entry.doc = Some(Arc::clone(&doc));
                entry.in_flight = None;
                entry.expires_at = now + ttl;
                entry.failed_at = None;
                Ok(doc)
            }
            Err(e) => {
                self.fetch_failed(&key, now);
                Err(DocumentRefused::Parse(e))
            }
        }
    }

    /// Records a failed fetch (network error, timeout); returns the stale
    /// document to keep using, if any.
    pub fn fetch_failed(&mut self, key: impl AsKey, now: SystemTime) -> Option<Arc<T>> {
        let entry = self
            .entries
            .entry(key.as_key())
            .or_insert_with(|| Entry::empty(now));
        entry.failed_at = Some(now);
        entry.in_flight = None;
        entry.doc.clone()
    }

    /// The held document, fresh or stale, without any decision.
    pub fn get(&self, key: impl AsKey) -> Option<Arc<T>> {
        self.entries.get(&key.as_key()).and_then(|e| e.doc.clone())
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Why a fetched document was not stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentRefused<E> {
    /// The endpoint answered with this non-success status.
    #[error("document endpoint answered status {0}")]
    Status(u16),
    /// The body did not parse.
    #[error("document is invalid")]
    Parse(E),
}

/// Something that names a cache entry: a URL or an issuer string.
pub trait AsKey {
    /// The entry's key.
    fn as_key(&self) -> String;
}

impl AsKey for &Url {
    fn as_key(&self) -> String {
        self.as_str().to_owned()
    }
}

impl AsKey for &str {
    fn as_key(&self) -> String {
        (*self).to_owned()
    }
}

impl AsKey for &String {
    fn as_key(&self) -> String {
        (*self).clone()
    }
}

fn recent(at: Option<SystemTime>, window: Duration, now: SystemTime) -> bool {
    at.is_some_and(|t| now.duration_since(t).map(|d| d < window).unwrap_or(true))
}

fn fetch<T: Document>(key: &str) -> Lookup<T> {
    match T::url(key) {
        Ok(url) => Lookup::Fetch(crate::http_util::get(&url)),
        // An unusable key cannot be fetched; an empty request makes the
        // driver's fetch fail cleanly rather than panic.
        Err(_) => Lookup::Fetch(http::Request::new(Vec::new())),
    }
}
