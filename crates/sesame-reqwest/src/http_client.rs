use std::time::Duration;

/// Why an HTTP exchange failed before a response could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The connection could not be made (refused, DNS, TLS).
    #[error("could not connect")]
    Connect,
    /// The request or the response took longer than the timeout.
    #[error("request timed out")]
    Timeout,
    /// The response body exceeded the size cap.
    #[error("response too large")]
    TooLarge,
    /// Any other transport failure (reset connection, protocol error).
    #[error("transport error")]
    Transport,
    /// The request could not be built (an invalid URL from configuration).
    #[error("invalid request")]
    InvalidRequest,
}

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default total timeout for one exchange.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of idle keep-alive connections kept per host: enough for
/// a busy instance's logins in flight against one provider (each makes two
/// exchanges) to reuse their connections rather than close and reopen them.
pub const DEFAULT_MAX_IDLE_PER_HOST: usize = 256;
/// Default cap on response bodies.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// Executes `http::Request<Vec<u8>>` values with reqwest.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    max_body: usize,
    timeout: Duration,
}

impl HttpClient {
    /// A client with rustls (ring), a 5 s connect timeout
    /// ([`DEFAULT_CONNECT_TIMEOUT`]), a 10 s total timeout
    /// ([`DEFAULT_TIMEOUT`]), a 1 MiB response cap ([`DEFAULT_MAX_BODY`]),
    /// no redirects, and up to 256 idle keep-alive connections per provider
    /// ([`DEFAULT_MAX_IDLE_PER_HOST`]).
    pub fn new() -> Result<Self, HttpError> {
        Self::with_timeouts(DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT)
    }

    /// A default client with other timeouts.
    pub fn with_timeouts(connect: Duration, total: Duration) -> Result<Self, HttpError> {
        // reqwest is built without a bundled crypto provider: use ring, like the core.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(DEFAULT_MAX_IDLE_PER_HOST)
            .build()
            .map_err(|_| HttpError::Transport)?;
        Ok(Self {
            inner,
            max_body: DEFAULT_MAX_BODY,
            timeout: total,
        })
    }

    /// Uses a reqwest client of your own. Configure it not to follow
    /// redirects: token, userinfo and JWKS calls must never be redirected.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self {
            inner: client,
            max_body: DEFAULT_MAX_BODY,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets the response-size cap.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The total timeout of one exchange.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends a request and reads the whole response (up to the cap).
    pub async fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, HttpError> {
        let (mut parts, body) = request.into_parts();
        let outgoing = match sesame_core::step::RequestUrl::take(&mut parts) {
            // The core's requests carry the URL they were built from (never
            // with user info): parsing the URI again would cost more than
            // the rest of this preparation.
            Some(url) => {
                let mut outgoing = reqwest::Request::new(parts.method, url);
                *outgoing.headers_mut() = parts.headers;
                if !body.is_empty() {
                    *outgoing.body_mut() = Some(body.into());
                }
                outgoing
            }
            // Any other request through reqwest's builder, which also turns
            // a URL's user info into Basic credentials.
            None => {
                let url = reqwest::Url::parse(&parts.uri.to_string())
                    .map_err(|_| HttpError::InvalidRequest)?;
                let mut rb = self.inner.request(parts.method, url).headers(parts.headers);
                if !body.is_empty() {
                    rb = rb.body(body);
                }
                rb.build().map_err(classify)?
            }
        };
        let mut response = self.inner.execute(outgoing).await.map_err(classify)?;
        let declared = response.content_length();
        if declared.is_some_and(|n| n > self.max_body as u64) {
            return Err(HttpError::TooLarge);
        }
        let mut out = http::Response::builder().status(response.status());
        if let Some(h) = out.headers_mut() {
            *h = std::mem::take(response.headers_mut());
        }
        // Sized once from Content-Length (already checked against the cap),
        // so a body that arrives in several chunks is not copied on growth.
        let mut buf = Vec::with_capacity(declared.map_or(0, |n| n as usize));
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if buf.len() + chunk.len() > self.max_body {
                return Err(HttpError::TooLarge);
            }
            buf.extend_from_slice(&chunk);
        }
        out.body(buf).map_err(|_| HttpError::Transport)
    }
}

fn classify(e: reqwest::Error) -> HttpError {
    if e.is_timeout() {
        HttpError::Timeout
    } else if e.is_connect() {
        HttpError::Connect
    } else if e.is_builder() {
        HttpError::InvalidRequest
    } else {
        HttpError::Transport
    }
}
