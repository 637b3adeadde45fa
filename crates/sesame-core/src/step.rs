//! The one run loop every driver writes: ask the machine what to do next,
//! do it, feed the answer back.
//!
//! Every protocol exchange of the core — a login after its callback, a
//! refresh, a bearer-token check at a protected API — is a state machine
//! implementing [`Exchange`]. It never performs I/O, reads a clock or draws
//! randomness itself; it answers with a [`Step`]:
//!
//! | step | the driver | then |
//! |---|---|---|
//! | [`Step::Send`] | sends [`Outgoing::request`] (no redirects, with a timeout) | [`Exchange::on_response`] |
//! | [`Step::NeedKeys`] | gets the JWKS at [`KeyRequest::jwks_uri`] from its cache, refetching when [`KeyRequest::refresh`] is set and the cache allows | [`Exchange::on_keys`] |
//! | [`Step::Done`] | has the result | — |
//!
//! The machine decides everything else: which request comes next, when a
//! key set is stale (one refetch on an unknown `kid`, then the token is
//! invalid), what an answer means. A driver is therefore only a loop:
//!
//! ```no_run
//! use std::time::SystemTime;
//! use sesame_core::step::{Exchange, KeyRequest, Step};
//! # fn send(_: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> { unimplemented!() }
//! # fn jwks(_: &KeyRequest) -> sesame_core::jose::JwkSet { unimplemented!() }
//! fn drive<E: Exchange>(mut exchange: E, mut step: Step<E::Output>) -> Result<E::Output, E::Error> {
//!     loop {
//!         step = match step {
//!             Step::Send(out) => exchange.on_response(send(out.request), SystemTime::now())?,
//!             Step::NeedKeys(k) => exchange.on_keys(&jwks(&k), SystemTime::now())?,
//!             Step::Done(output) => return Ok(output),
//!         };
//!     }
//! }
//! ```
//!
//! `sesame-reqwest` is this loop over reqwest with shared caches;
//! `examples/blocking-login` is the same loop over a blocking HTTP client;
//! tests run it against simulated providers. How the driver gets the key
//! set is its own business — [`crate::cache::RemoteCache`] holds the
//! policy (max-age, rate-limited refetch, stale keys on failure) so that
//! drivers only fetch.

use std::fmt;
use std::time::SystemTime;

use url::Url;

use crate::jose::JwkSet;
use crate::protocol::Endpoint;

/// A request the machine wants sent, and where it goes.
pub struct Outgoing {
    /// Which endpoint: for timeouts, logs and error reports.
    pub endpoint: Endpoint,
    /// The request itself. Never follow redirects for it.
    pub request: http::Request<Vec<u8>>,
}

impl Outgoing {
    /// A request to `endpoint`.
    pub fn new(endpoint: Endpoint, request: http::Request<Vec<u8>>) -> Self {
        Self { endpoint, request }
    }
}

/// The [`url::Url`] a request of the core was built from, kept in the
/// request's extensions.
///
/// An executor whose HTTP client takes a `url::Url` (reqwest does) can
/// take it instead of formatting the request's URI and parsing it again,
/// which costs more than the rest of preparing the request.
/// [`RequestUrl::take`] gives it only while it still names the request's
/// URI, so a driver that rewrote the URI is never sent elsewhere.
///
/// ```
/// use sesame_core::step::RequestUrl;
/// let url: url::Url = "https://op.example/token".parse().unwrap();
/// let mut request = http::Request::new(Vec::<u8>::new());
/// *request.uri_mut() = url.as_str().parse().unwrap();
/// request.extensions_mut().insert(RequestUrl::new(url.clone()));
/// let (mut parts, _body) = request.into_parts();
/// assert_eq!(RequestUrl::take(&mut parts), Some(url));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RequestUrl(Url);

/// Only where the request goes: its query may carry a token.
impl fmt::Debug for RequestUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestUrl")
            .field("host", &self.0.host_str())
            .field("path", &self.0.path())
            .finish_non_exhaustive()
    }
}

impl RequestUrl {
    /// Wraps the URL a request is built from.
    pub fn new(url: Url) -> Self {
        Self(url)
    }

    /// Takes the URL out of a request's extensions when it names the
    /// request's URI exactly (scheme, host, port, path and query, and no
    /// user info); `None` when there is none or it no longer matches.
    pub fn take(parts: &mut http::request::Parts) -> Option<Url> {
        let RequestUrl(url) = parts.extensions.remove::<RequestUrl>()?;
        let uri = &parts.uri;
        let same = uri.scheme_str() == Some(url.scheme())
            && url.username().is_empty()
            && url.password().is_none()
            && uri.host() == url.host_str()
            && uri.port_u16() == url.port()
            && uri.path() == url.path()
            && uri.query() == url.query();
        same.then_some(url)
    }
}

impl fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Requests carry secrets in headers, bodies and sometimes the query:
        // show only the endpoint, method, host and path.
        let r = &self.request;
        write!(
            f,
            "Outgoing({}: {} {}{})",
            self.endpoint,
            r.method(),
            r.uri().host().unwrap_or(""),
            r.uri().path()
        )
    }
}

/// What the driver must do next.
pub enum Step<T> {
    /// Send this request and pass the response to [`Exchange::on_response`].
    Send(Outgoing),
    /// Get the key set at `jwks_uri` (from a cache, refetching if
    /// `refresh` is set and the cache allows) and pass it to [`Exchange::on_keys`].
    NeedKeys(KeyRequest),
    /// The exchange finished.
    Done(T),
}

impl<T> fmt::Debug for Step<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Send(out) => write!(f, "Step::Send({out:?})"),
            Step::NeedKeys(k) => write!(f, "Step::NeedKeys({k:?})"),
            Step::Done(_) => f.write_str("Step::Done"),
        }
    }
}

/// Which keys the exchange needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRequest {
    /// The issuer's JWKS URI.
    pub jwks_uri: Url,
    /// The `kid` of the token to verify, if it has one.
    pub kid: Option<String>,
    /// True when the keys given before did not contain the token's key:
    /// the driver should refetch the JWKS (subject to its rate limit).
    pub refresh: bool,
}

/// A protocol exchange driven step by step (see the [module docs](self)).
pub trait Exchange {
    /// What the exchange ends in.
    type Output;
    /// Why it fails.
    type Error;
    /// Feeds the response to the last [`Step::Send`] request.
    fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<Step<Self::Output>, Self::Error>;
    /// Feeds the key set asked for by the last [`Step::NeedKeys`].
    fn on_keys(
        &mut self,
        keys: &JwkSet,
        now: SystemTime,
    ) -> Result<Step<Self::Output>, Self::Error>;
}
