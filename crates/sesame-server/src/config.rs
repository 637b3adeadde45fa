//! The server's configuration: its issuer, its clients, scopes and lifetimes.

use std::sync::Arc;
use std::time::Duration;

use sesame_core::cache::CachePolicy;
use sesame_core::jose::Algorithm;
use sesame_core::random::{random_b64, Random, RandomError};
use sesame_core::Secret;

use crate::{ClientKeysFetcher, ThrottleConfig, MAX_CODE_TTL};

/// Why a configuration cannot run the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// This client is registered by `jwks_uri`, but no
    /// [`ClientKeysFetcher`] is configured to fetch its keys.
    #[error("client {0} is registered by jwks_uri but no client keys fetcher is configured")]
    NoClientKeysFetcher(String),
}

/// A client registered with the server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RegisteredClient {
    /// The client id.
    pub id: String,
    /// The secret; `None` for a public client (authenticates with `none`, PKCE only).
    pub secret: Option<Secret>,
    /// The exact redirect URIs allowed.
    pub redirect_uris: Vec<String>,
    /// Scopes the client may ask for (empty: any scope the server supports).
    pub scopes: Vec<String>,
    /// First-party clients skip the consent screen.
    pub first_party: bool,
    /// Whether a loopback redirect URI may come back on any port (RFC 8252
    /// §7.3) — for native apps only ([`RegisteredClient::native_app`]);
    /// every other client's redirect URIs are compared as exact strings
    /// (RFC 9700 §4.1.3, OAuth 2.1).
    pub loopback_any_port: bool,
    /// The algorithm of this client's ID tokens (OpenID Connect
    /// Registration §2 `id_token_signed_response_alg`); `None` means the
    /// server's [`ServerConfig::id_token_alg`] (RS256 by default).
    pub id_token_alg: Option<Algorithm>,
    /// Whether this client's authorization requests must be pushed first
    /// (RFC 9126 §6 `require_pushed_authorization_requests`); see
    /// [`ServerConfig::require_pushed_requests`] for every client at once.
    pub require_pushed_requests: bool,
    /// Whether this client's access tokens must be DPoP-bound (RFC 9449
    /// §5.2 `dpop_bound_access_tokens`): token requests without a proof
    /// are refused.
    pub require_dpop: bool,
    /// The public keys of a `private_key_jwt` client (RFC 7523): it
    /// authenticates with assertions they verify, never a secret.
    pub jwks: Option<sesame_core::jose::JwkSet>,
    /// Where a `private_key_jwt` client publishes its public keys (RFC
    /// 7591 §2 `jwks_uri`), fetched with the server's
    /// [`ClientKeysFetcher`](crate::ClientKeysFetcher) and cached; the
    /// client rotates its key by publishing the next one there.
    pub jwks_uri: Option<url::Url>,
}

impl RegisteredClient {
    /// A confidential client (an empty secret makes it public).
    pub fn new(id: impl Into<String>, secret: Option<&str>, redirect_uris: &[&str]) -> Self {
        Self {
            id: id.into(),
            secret: secret.filter(|s| !s.is_empty()).map(Secret::new),
            redirect_uris: redirect_uris.iter().map(|s| (*s).to_owned()).collect(),
            scopes: Vec::new(),
            first_party: true,
            loopback_any_port: false,
            id_token_alg: None,
            require_pushed_requests: false,
            require_dpop: false,
            jwks: None,
            jwks_uri: None,
        }
    }

    /// A confidential client authenticating with `private_key_jwt`
    /// (RFC 7523 §2.2, OpenID Connect Core §9): signed assertions verified
    /// with `jwks`, its public keys (several during a rotation). It has
    /// no secret.
    pub fn private_key_jwt(
        id: impl Into<String>,
        jwks: sesame_core::jose::JwkSet,
        redirect_uris: &[&str],
    ) -> Self {
        let mut client = Self::new(id, None, redirect_uris);
        client.jwks = Some(jwks);
        client
    }

    /// A confidential client authenticating with `private_key_jwt` whose
    /// public keys are published at `jwks_uri` (RFC 7591 §2): the server
    /// fetches them with its
    /// [`ServerConfig::client_keys_fetcher`] (required:
    /// [`ServerConfig::check`] fails without one), caches them for their
    /// `Cache-Control: max-age`, and refetches once when an assertion
    /// names a `kid` the cached set lacks — the client's key rotation.
    /// It has no secret.
    ///
    /// ```
    /// use sesame_server::{ConfigError, RegisteredClient, ServerConfig};
    /// let client = RegisteredClient::private_key_jwt_uri(
    ///     "my-app",
    ///     "https://app.example.com/jwks.json".parse().unwrap(),
    ///     &["https://app.example.com/cb"],
    /// );
    /// let config = ServerConfig::new("https://id.example.com").client(client);
    /// // Without a fetcher, the configuration cannot run.
    /// assert_eq!(config.check(), Err(ConfigError::NoClientKeysFetcher("my-app".into())));
    /// ```
    pub fn private_key_jwt_uri(
        id: impl Into<String>,
        jwks_uri: url::Url,
        redirect_uris: &[&str],
    ) -> Self {
        let mut client = Self::new(id, None, redirect_uris);
        client.jwks_uri = Some(jwks_uri);
        client
    }

    /// Whether the client authenticates with `private_key_jwt` (registered
    /// keys or a `jwks_uri`).
    pub fn uses_private_key_jwt(&self) -> bool {
        self.jwks.is_some() || self.jwks_uri.is_some()
    }

    /// Requires a DPoP proof on every token request of this client
    /// (RFC 9449 §5.2 `dpop_bound_access_tokens`).
    pub fn require_dpop(mut self) -> Self {
        self.require_dpop = true;
        self
    }

    /// Accepts this client's authorization requests only through the
    /// pushed authorization request endpoint (`POST /par`, RFC 9126):
    /// `/authorize` then takes only a `request_uri` the client pushed.
    pub fn require_pushed_requests(mut self) -> Self {
        self.require_pushed_requests = true;
        self
    }

    /// A fresh client secret: 32 random bytes as base64url, so only
    /// RFC 3986 unreserved characters (`A–Z a–z 0–9 - _`). Clients that
    /// send HTTP Basic credentials without RFC 6749 §2.3.1's form-encoding
    /// then still authenticate; the server decodes per §2.3.1 either way.
    ///
    /// ```
    /// let secret = sesame_server::RegisteredClient::generate_secret(&ring::rand::SystemRandom::new()).unwrap();
    /// assert!(secret.expose().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    /// ```
    pub fn generate_secret(rng: &dyn Random) -> Result<Secret, RandomError> {
        random_b64(rng, 32).map(Secret::new)
    }

    /// Signs this client's ID tokens with `alg` (the server needs an active
    /// key of that algorithm).
    pub fn id_token_signed_response_alg(mut self, alg: Algorithm) -> Self {
        self.id_token_alg = Some(alg);
        self
    }

    /// Limits the scopes the client may request.
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Marks a third-party client (shown a consent screen).
    pub fn third_party(mut self) -> Self {
        self.first_party = false;
        self
    }

    /// Requires redirect URIs to match exactly, even on loopback (the
    /// default; kept for clarity at call sites such as Swagger UI's client,
    /// where RFC 8252's any-port rule would let any local process receive
    /// its codes).
    pub fn exact_redirect_uris(mut self) -> Self {
        self.loopback_any_port = false;
        self
    }

    /// Marks a native app (RFC 8252): its loopback redirect URIs
    /// (`http://127.0.0.1/…`, `http://[::1]/…`) may come back on any port,
    /// since the app listens on whatever port the system gives it.
    pub fn native_app(mut self) -> Self {
        self.loopback_any_port = true;
        self
    }

    /// Whether the client authenticates (a secret or registered keys; a
    /// public client has neither).
    pub fn is_confidential(&self) -> bool {
        self.secret.is_some() || self.uses_private_key_jwt()
    }

    pub(crate) fn allows_redirect(&self, requested: &str) -> bool {
        self.redirect_uris.iter().any(|r| {
            if self.loopback_any_port {
                redirect_matches(r, requested)
            } else {
                r == requested
            }
        })
    }
}

/// RFC 8252 §7.3 for native apps: the strings match exactly, except that
/// a loopback IP redirect URI (`http://127.0.0.1` or `http://[::1]`,
/// spelled just so) may carry any port. Nothing is normalised (RFC 9700
/// §4.1.3): `127.1`, `127.0.0.1.`, `0x7f000001`, `HTTP://`, `/./` or
/// `/%2e/` are other strings and do not match.
///
/// ```
/// use sesame_server::redirect_matches;
/// assert!(redirect_matches("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb"));
/// assert!(!redirect_matches("http://127.0.0.1/cb", "http://127.1:51234/cb"));
/// assert!(!redirect_matches("http://127.0.0.1/cb", "http://127.0.0.1:5/./cb"));
/// ```
pub fn redirect_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    fn split(uri: &str) -> Option<(&str, &str)> {
        let host = ["http://127.0.0.1", "http://[::1]"]
            .into_iter()
            .find(|h| uri.starts_with(h))?;
        let rest = &uri[host.len()..];
        let rest = match rest.strip_prefix(':') {
            Some(after) => {
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 || digits > 5 {
                    return None;
                }
                &after[digits..]
            }
            None => rest,
        };
        // The path starts right away (or there is none): no userinfo
        // tricks, no other host, no fragment.
        let ok = (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
            && !rest.contains('#');
        ok.then_some((host, rest))
    }
    match (split(registered), split(requested)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The server's configuration.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The issuer URL (no trailing slash).
    pub issuer: String,
    /// Registered clients.
    pub clients: Vec<RegisteredClient>,
    /// Scopes the server knows.
    pub scopes: Vec<String>,
    /// The `aud` of access tokens (the API they are for).
    pub audience: String,
    /// Access-token lifetime (default 10 min).
    pub access_token_ttl: Duration,
    /// Refresh-token lifetime (default 30 days).
    pub refresh_token_ttl: Duration,
    /// ID-token lifetime (default 10 min).
    pub id_token_ttl: Duration,
    /// Code lifetime (default and maximum 60 s).
    pub code_ttl: Duration,
    /// The default algorithm of ID tokens (RS256, which OpenID Connect
    /// Core §15.1 requires every provider to offer); clients may choose
    /// another with [`RegisteredClient::id_token_signed_response_alg`].
    pub id_token_alg: Algorithm,
    /// The algorithm of access tokens (ES256 by default: small and fast).
    pub access_token_alg: Algorithm,
    /// Throttling of password and client-secret guessing (on by default,
    /// see [`ThrottleConfig`]).
    pub throttle: ThrottleConfig,
    /// Whether every client must push its authorization requests (RFC
    /// 9126 §5; advertised as `require_pushed_authorization_requests`).
    pub require_pushed_requests: bool,
    /// How long a pushed request's `request_uri` can be used (default
    /// 60 s, at most [`MAX_PUSHED_REQUEST_TTL`](crate::MAX_PUSHED_REQUEST_TTL)).
    pub pushed_request_ttl: Duration,
    /// DPoP (RFC 9449): accepted at `/token` and `/userinfo` by default;
    /// required and nonces as configured here.
    pub dpop: crate::DpopConfig,
    /// Whether a client assertion's `aud` must be the issuer identifier
    /// alone (RFC 7523bis, FAPI 2.0); by default the URL of the endpoint
    /// called is accepted too.
    pub strict_assertion_audience: bool,
    /// The FAPI 2.0 Security Profile is on ([`ServerConfig::fapi2`]).
    pub fapi2: bool,
    /// Fetches the key sets of clients registered by `jwks_uri`
    /// ([`RegisteredClient::private_key_jwt_uri`]); `None` when no client is.
    pub client_keys_fetcher: Option<Arc<dyn ClientKeysFetcher>>,
    /// How long fetched client key sets are kept and how often they may be
    /// refetched (sesame-core's defaults: `max-age` clamped to 1 min–24 h,
    /// 10 min without one, a refetch for an unknown `kid` at most every 10 s).
    pub client_keys_cache: CachePolicy,
}

impl ServerConfig {
    /// A configuration with default lifetimes; `audience` defaults to `{issuer}/api`.
    pub fn new(issuer: &str) -> Self {
        let issuer = issuer.trim_end_matches('/').to_owned();
        Self {
            audience: format!("{issuer}/api"),
            issuer,
            clients: Vec::new(),
            scopes: ["openid", "profile", "email", "offline_access"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            access_token_ttl: Duration::from_secs(600),
            refresh_token_ttl: Duration::from_secs(30 * 86_400),
            id_token_ttl: Duration::from_secs(600),
            code_ttl: MAX_CODE_TTL,
            id_token_alg: Algorithm::RS256,
            access_token_alg: Algorithm::ES256,
            throttle: ThrottleConfig::default(),
            require_pushed_requests: false,
            pushed_request_ttl: Duration::from_secs(60),
            dpop: crate::DpopConfig::default(),
            strict_assertion_audience: false,
            fapi2: false,
            client_keys_fetcher: None,
            client_keys_cache: CachePolicy::default(),
        }
    }

    /// Checks that the configuration can run: every client registered by
    /// `jwks_uri` needs a [`client_keys_fetcher`](Self::client_keys_fetcher).
    /// [`AuthorizationServer::with_keys`](crate::AuthorizationServer::with_keys)
    /// runs this check.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.client_keys_fetcher.is_none() {
            if let Some(c) = self.clients.iter().find(|c| c.jwks_uri.is_some()) {
                return Err(ConfigError::NoClientKeysFetcher(c.id.clone()));
            }
        }
        Ok(())
    }

    /// Fetches the key sets of clients registered by `jwks_uri` with
    /// `fetcher` (the app's HTTP client; see [`ClientKeysFetcher`]).
    pub fn client_keys_fetcher(mut self, fetcher: Arc<dyn ClientKeysFetcher>) -> Self {
        self.client_keys_fetcher = Some(fetcher);
        self
    }

    /// Sets how fetched client key sets are cached and refetched.
    pub fn client_keys_cache(mut self, policy: CachePolicy) -> Self {
        self.client_keys_cache = policy;
        self
    }

    /// The FAPI 2.0 Security Profile (§5.3.2): pushed authorization
    /// requests only (RFC 9126), sender-constrained access tokens (DPoP;
    /// Sesame has no mTLS), confidential clients authenticating with
    /// `private_key_jwt` only (secrets and public clients are refused),
    /// the issuer alone as an assertion's `aud`. What Sesame always does
    /// is FAPI's too: PKCE with S256, `iss` in authorization responses
    /// (RFC 9207), the code flow only, codes living at most 60 s, exact
    /// redirect URIs.
    ///
    /// ```
    /// let config = sesame_server::ServerConfig::new("https://id.example.com").fapi2();
    /// assert!(config.require_pushed_requests && config.dpop.required);
    /// ```
    pub fn fapi2(mut self) -> Self {
        self.fapi2 = true;
        self.require_pushed_requests = true;
        self.dpop.required = true;
        self.strict_assertion_audience = true;
        self
    }

    /// Requires a DPoP proof on every token request (every access token
    /// is then sender-constrained, RFC 9449).
    pub fn require_dpop(mut self) -> Self {
        self.dpop.required = true;
        self
    }

    /// Requires server nonces in DPoP proofs (RFC 9449 §8), derived from
    /// `nonces`' secret: give every instance the same secret.
    pub fn dpop_nonces(mut self, nonces: sesame_core::dpop::NonceSource) -> Self {
        self.dpop.nonces = Some(nonces);
        self
    }

    /// Requires every client to push its authorization requests first
    /// (RFC 9126 §5): `/authorize` takes only `request_uri`s from `POST /par`.
    pub fn require_pushed_requests(mut self) -> Self {
        self.require_pushed_requests = true;
        self
    }

    /// Sets the throttling of credential guessing.
    pub fn throttle(mut self, throttle: ThrottleConfig) -> Self {
        self.throttle = throttle;
        self
    }

    /// Sets the default ID-token algorithm.
    pub fn id_token_alg(mut self, alg: Algorithm) -> Self {
        self.id_token_alg = alg;
        self
    }

    /// Sets the access-token algorithm.
    pub fn access_token_alg(mut self, alg: Algorithm) -> Self {
        self.access_token_alg = alg;
        self
    }

    /// Registers a client.
    pub fn client(mut self, client: RegisteredClient) -> Self {
        self.clients.push(client);
        self
    }

    /// Adds scopes the server knows.
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Sets the access-token audience.
    pub fn audience(mut self, aud: &str) -> Self {
        self.audience = aud.to_owned();
        self
    }
}
