//! The authorization-code client flow as a deterministic state machine.
//!
//! # The life of one login
//!
//! ```text
//!  app/driver                         sesame-core                      provider
//!  ──────────                         ───────────                      ────────
//!  GET /login ───────────────▶ Client::begin(meta, return_to, now, rng)
//!                              → authorization URL + PendingLogin
//!  PendingLogin::seal → cookie; 303 to the URL ─────────────────────────▶ user signs in
//!  GET /callback?code&state ◀──────────────────────────────────────────── redirect
//!  PendingLogin::open(cookie) → Client::callback(meta, params, pending, now)
//!     checks provider, state, iss (RFC 9207), error → token request
//!  loop over Step (see [`Exchange`]):
//!     Step::Send(req)      → driver sends it → exchange.on_response(resp, now)
//!     Step::NeedKeys(k)    → driver gets the JWKS (cached) → exchange.on_keys(&jwks, now)
//!     Step::Done(login)    → Identity + Tokens + return_to
//! ```
//!
//! The machine never performs I/O, reads a clock or draws randomness by
//! itself: the driver (sesame-reqwest, a blocking client, a test) moves the
//! requests and responses and passes `now` and a [`Random`].
//!
//! A pending login travels in a sealed cookie (see [`crate::seal`]), so the
//! server keeps no per-login state: concurrent logins never meet.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use url::Url;

use crate::discovery::ProviderMetadata;
use crate::error::{ConfigError, LoginError, ProviderError, RequestError};
use crate::http_util::{self, ParamsError};
use crate::identity::Identity;
use crate::idtoken::{IdTokenClaims, IdTokenError, IdTokenValidator, IssuerRule, DEFAULT_LEEWAY};
use crate::jose::{Header, JoseError, JwkSet};
use crate::pkce::Verifier;
use crate::provider::{
    ApiUrl, BodyFormat, ClientAuth, Profile, Provider, ResponseMode, TokenPlacement,
};
use crate::random::Random;
use crate::seal::Sealer;
use crate::state::{Nonce, State};
use crate::tokens::{self, Grant, Tokens};
use crate::Secret;

/// The purpose label pending logins are sealed under.
pub const LOGIN_SEAL_PURPOSE: &str = "sesame/login/v1";
/// Callback query strings or form bodies larger than this are refused.
pub const MAX_CALLBACK_LEN: usize = 32 * 1024;
/// `return_to` paths longer than this are refused.
pub const MAX_RETURN_TO_LEN: usize = 2048;

/// Mints a client secret at token-request time (Apple's ES256 client-secret
/// JWT, `private_key_jwt`-style assertions).
pub trait MintSecret: Send + Sync {
    /// A secret valid at `now` for `client_id` talking to `token_endpoint`.
    fn mint(
        &self,
        client_id: &str,
        token_endpoint: &Url,
        now: SystemTime,
    ) -> Result<Secret, JoseError>;
}

/// The client's secret: fixed, or minted per request.
#[derive(Clone)]
pub enum ClientSecret {
    /// A fixed secret from the provider's console.
    Static(Secret),
    /// A secret minted for each token request.
    Minted(Arc<dyn MintSecret>),
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientSecret::Static(_) => f.write_str("ClientSecret::Static([redacted])"),
            ClientSecret::Minted(_) => f.write_str("ClientSecret::Minted"),
        }
    }
}

/// Authorization-request parameters the client sets itself; never
/// forwarded from a login request.
const PROTOCOL_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
    "request",
    "request_uri",
];

/// The application's registration at a provider.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The client id.
    pub client_id: String,
    /// The client secret; `None` for a public client (PKCE only).
    pub client_secret: Option<ClientSecret>,
    /// The callback URL registered at the provider.
    pub redirect_uri: Url,
    /// Scopes replacing the provider's defaults.
    pub scopes: Option<Vec<String>>,
    /// Extra authorization parameters (`prompt`, `login_hint`, `hd`, …).
    pub authorization_params: Vec<(String, String)>,
    /// Clock-skew leeway for ID tokens.
    pub leeway: Duration,
    /// Login-route query parameters copied into the authorization request
    /// (an allow-list, e.g. `idp`, `login_hint`, `prompt`).
    pub forwarded_login_params: Vec<String>,
}

impl ClientConfig {
    /// A configuration for a public client (no secret).
    pub fn new(client_id: impl Into<String>, redirect_uri: Url) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            redirect_uri,
            scopes: None,
            authorization_params: Vec::new(),
            leeway: DEFAULT_LEEWAY,
            forwarded_login_params: Vec::new(),
        }
    }

    /// Sets a fixed client secret (an empty string means none).
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        let s: Secret = secret.into();
        self.client_secret = if s.is_empty() {
            None
        } else {
            Some(ClientSecret::Static(s))
        };
        self
    }

    /// Sets a minted client secret.
    pub fn minted_secret(mut self, minter: Arc<dyn MintSecret>) -> Self {
        self.client_secret = Some(ClientSecret::Minted(minter));
        self
    }

    /// Replaces the provider's default scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Adds an authorization request parameter.
    pub fn authorization_param(mut self, name: &str, value: &str) -> Self {
        self.authorization_params
            .push((name.to_owned(), value.to_owned()));
        self
    }

    /// Copies the login route's query parameter `name`, when present, into
    /// the authorization request — for per-login hints such as
    /// `login_hint`, `prompt`, or `idp` (Sesame's identity-provider hint).
    /// Parameters the protocol sets itself (`state`, `redirect_uri`,
    /// `code_challenge`, …) and those the provider or this configuration
    /// fix are never forwarded, so a browser can't add a second value.
    pub fn forward_login_param(mut self, name: &str) -> Self {
        self.forwarded_login_params.push(name.to_owned());
        self
    }

    /// Sets the ID token clock-skew leeway.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }
}

/// A provider plus the application's registration there: the object that
/// runs logins. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    provider: Arc<Provider>,
    config: Arc<ClientConfig>,
}

/// The start of a login: where to send the browser and what to remember.
#[derive(Debug)]
pub struct Authorization {
    /// The provider's authorization URL with all parameters.
    pub url: Url,
    /// The login's secrets, to be sealed into a cookie.
    pub pending: PendingLogin,
}

/// Everything a pending login needs, sealed into the browser's cookie.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingLogin {
    #[serde(rename = "p")]
    provider: String,
    #[serde(rename = "s")]
    state: State,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    nonce: Option<Nonce>,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    verifier: Option<String>,
    #[serde(rename = "r")]
    redirect_uri: String,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    return_to: Option<String>,
    #[serde(rename = "c")]
    created_at: u64,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("provider", &self.provider)
            .field("return_to", &self.return_to)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

impl PendingLogin {
    /// Seals the pending login for its cookie.
    pub fn seal(
        &self,
        sealer: &Sealer,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<String, LoginError> {
        sealer
            .seal_json(LOGIN_SEAL_PURPOSE, self, now, rng)
            .map_err(|_| LoginError::Config(ConfigError::Seal))
    }

    /// Opens a pending login from its cookie; `None` means the cookie was absent.
    pub fn open(
        sealer: &Sealer,
        sealed: Option<&str>,
        now: SystemTime,
    ) -> Result<Self, LoginError> {
        let sealed = sealed.ok_or(RequestError::MissingLoginState)?;
        Ok(sealer.open_json(LOGIN_SEAL_PURPOSE, sealed, now)?)
    }

    /// The provider id the login started with.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The `state` value (also usable to name the cookie of this login).
    pub fn state(&self) -> &str {
        self.state.as_str()
    }

    /// The validated return-to path.
    pub fn return_to(&self) -> Option<&str> {
        self.return_to.as_deref()
    }

    /// A pending login whose state matches no callback.
    pub(crate) fn placeholder(provider: &str) -> Self {
        Self {
            provider: provider.to_owned(),
            state: State::from_string(""),
            nonce: None,
            verifier: None,
            redirect_uri: String::new(),
            return_to: None,
            created_at: 0,
        }
    }
}

/// The parameters of an authorization response.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackParams {
    /// `code`.
    pub code: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `iss` (RFC 9207).
    pub iss: Option<String>,
    /// `error`.
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
    /// Every other parameter (Apple's `user`, for example).
    pub extra: Vec<(String, String)>,
}

impl fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackParams")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("iss", &self.iss)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl CallbackParams {
    /// Parses a callback query string (without the `?`).
    pub fn from_query(query: &str) -> Result<Self, LoginError> {
        Self::from_form(query.as_bytes())
    }

    /// Parses a `form_post` body.
    pub fn from_form(body: &[u8]) -> Result<Self, LoginError> {
        let pairs = http_util::parse_params(body, MAX_CALLBACK_LEN)
            .map_err(RequestError::InvalidParameters)?;
        Ok(Self::from_pairs(pairs))
    }

    /// Builds the parameters from decoded pairs.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut p = CallbackParams::default();
        for (k, v) in pairs {
            match k.as_str() {
                "code" => p.code = Some(v),
                "state" => p.state = Some(v),
                "iss" => p.iss = Some(v),
                "error" => p.error = Some(v),
                "error_description" => p.error_description = Some(v),
                _ => p.extra.push((k, v)),
            }
        }
        p
    }
}

/// What the driver must do next.
pub enum Step<T> {
    /// Send this request and pass the response to `on_response`.
    /// Never follow redirects for it.
    Send(http::Request<Vec<u8>>),
    /// Get the key set at `jwks_uri` (from a cache, refetching if
    /// `refresh` is set and the cache allows) and pass it to `on_keys`.
    NeedKeys(KeyRequest),
    /// The exchange finished.
    Done(T),
}

impl<T> fmt::Debug for Step<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Requests carry secrets in headers, bodies and sometimes the query:
        // show only the method, host and path.
        match self {
            Step::Send(r) => write!(
                f,
                "Step::Send({} {}{})",
                r.method(),
                r.uri().host().unwrap_or(""),
                r.uri().path()
            ),
            Step::NeedKeys(k) => write!(f, "Step::NeedKeys({k:?})"),
            Step::Done(_) => f.write_str("Step::Done"),
        }
    }
}

/// A token exchange driven step by step: [`LoginExchange`] (ends in a
/// [`Login`]) and [`RefreshExchange`] (ends in [`Tokens`]). Drivers write
/// one loop for both:
///
/// ```no_run
/// # use sesame_core::client::{Exchange, Step};
/// # fn send(_: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> { unimplemented!() }
/// # fn keys(_: &sesame_core::client::KeyRequest) -> sesame_core::jose::JwkSet { unimplemented!() }
/// fn drive<E: Exchange>(mut ex: E, first: http::Request<Vec<u8>>) -> Result<E::Output, sesame_core::LoginError> {
///     let mut step = Step::Send(first);
///     loop {
///         step = match step {
///             Step::Send(req) => ex.on_response(send(req), std::time::SystemTime::now())?,
///             Step::NeedKeys(k) => ex.on_keys(&keys(&k), std::time::SystemTime::now())?,
///             Step::Done(out) => return Ok(out),
///         };
///     }
/// }
/// ```
pub trait Exchange {
    /// What the exchange ends in.
    type Output;
    /// Feeds the response to the last [`Step::Send`] request.
    fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<Step<Self::Output>, LoginError>;
    /// Feeds the key set asked for by the last [`Step::NeedKeys`].
    fn on_keys(&mut self, keys: &JwkSet, now: SystemTime)
        -> Result<Step<Self::Output>, LoginError>;
}

/// Which keys the exchange needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRequest {
    /// The provider's JWKS URI.
    pub jwks_uri: Url,
    /// The `kid` of the token to verify, if it has one.
    pub kid: Option<String>,
    /// True when the keys given before did not contain the token's key:
    /// the driver should refetch the JWKS (subject to its rate limit).
    pub refresh: bool,
}

/// A completed login.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Login {
    /// Who signed in.
    pub identity: Identity,
    /// The tokens.
    pub tokens: Tokens,
    /// Where the application wanted to go after the login.
    pub return_to: Option<String>,
}

/// Checks a `return_to` target: only a relative path on this site.
///
/// Refuses absolute URLs, scheme-relative `//host`, backslash tricks,
/// control characters and overly long values, so the login can never be
/// turned into an open redirect.
///
/// ```
/// use sesame_core::client::validate_return_to;
/// assert!(validate_return_to("/account?tab=1").is_ok());
/// assert!(validate_return_to("//evil.example").is_err());
/// assert!(validate_return_to("https://evil.example/").is_err());
/// assert!(validate_return_to("/\\evil.example").is_err());
/// ```
pub fn validate_return_to(path: &str) -> Result<String, RequestError> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= MAX_RETURN_TO_LEN
        && !path.chars().any(|c| c.is_control() || c == '\\');
    if ok {
        Ok(path.to_owned())
    } else {
        Err(RequestError::InvalidReturnTo)
    }
}

impl Client {
    /// Combines a provider and a registration.
    ///
    /// Fails when the provider authenticates with a secret but none is
    /// configured and PKCE is off (a public client needs PKCE), or when the
    /// redirect URI is not https (http is allowed on loopback only).
    pub fn new(provider: Provider, config: ClientConfig) -> Result<Self, ConfigError> {
        if !crate::discovery::is_secure_url(&config.redirect_uri) {
            return Err(ConfigError::InvalidUrl("redirect uri"));
        }
        if config.client_secret.is_none() && !provider.pkce {
            return Err(ConfigError::MissingClientSecret);
        }
        Ok(Self {
            provider: Arc::new(provider),
            config: Arc::new(config),
        })
    }

    /// The provider.
    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// The registration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The scopes requested.
    pub fn scopes(&self) -> &[String] {
        self.config
            .scopes
            .as_deref()
            .unwrap_or(&self.provider.scopes)
    }

    /// The client authentication method actually used: `none` without a
    /// secret; otherwise the provider's, adjusted to what the metadata
    /// advertises.
    pub fn auth_method(&self, metadata: &ProviderMetadata) -> ClientAuth {
        if self.config.client_secret.is_none() {
            return ClientAuth::None;
        }
        let wanted = match self.provider.client_auth {
            ClientAuth::None => ClientAuth::Basic,
            other => other,
        };
        let adv = &metadata.token_endpoint_auth_methods_supported;
        if adv.is_empty() || adv.iter().any(|m| m == wanted.as_str()) {
            wanted
        } else if adv.iter().any(|m| m == ClientAuth::Basic.as_str()) {
            ClientAuth::Basic
        } else if adv.iter().any(|m| m == ClientAuth::Post.as_str()) {
            ClientAuth::Post
        } else {
            wanted
        }
    }

    fn expected_issuer(&self, metadata: &ProviderMetadata) -> Option<IssuerRule> {
        self.provider
            .issuer_rule
            .clone()
            .or_else(|| metadata.issuer.clone().map(IssuerRule::Exact))
    }

    /// Starts a login: the authorization URL and the pending login to seal.
    pub fn begin(
        &self,
        metadata: &ProviderMetadata,
        return_to: Option<&str>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Authorization, LoginError> {
        self.begin_with(metadata, return_to, &[], now, rng)
    }

    /// [`begin`](Self::begin) with the login request's query parameters:
    /// those named by [`ClientConfig::forward_login_param`] are added to the
    /// authorization URL; the rest are ignored.
    pub fn begin_with(
        &self,
        metadata: &ProviderMetadata,
        return_to: Option<&str>,
        login_params: &[(String, String)],
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Authorization, LoginError> {
        let return_to = return_to.map(validate_return_to).transpose()?;
        let p = &self.provider;
        let state = State::generate(rng)?;
        let nonce = if p.openid {
            Some(Nonce::generate(rng)?)
        } else {
            None
        };
        let verifier = if p.pkce {
            Some(Verifier::generate(rng)?)
        } else {
            None
        };

        let mut url = metadata.authorization_endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code");
            q.append_pair(&p.client_id_param, &self.config.client_id);
            q.append_pair("redirect_uri", self.config.redirect_uri.as_str());
            let scopes = self.scopes();
            if !scopes.is_empty() {
                q.append_pair("scope", &scopes.join(&p.scope_separator));
            }
            q.append_pair("state", state.as_str());
            if let Some(n) = &nonce {
                q.append_pair("nonce", n.as_str());
            }
            if let Some(v) = &verifier {
                q.append_pair("code_challenge", &v.challenge());
                q.append_pair("code_challenge_method", crate::pkce::METHOD_S256);
            }
            if p.response_mode == ResponseMode::FormPost {
                q.append_pair("response_mode", "form_post");
            }
            for (k, v) in p
                .authorization_params
                .iter()
                .chain(&self.config.authorization_params)
            {
                q.append_pair(k, v);
            }
            for (k, v) in login_params {
                let fixed = p
                    .authorization_params
                    .iter()
                    .chain(&self.config.authorization_params)
                    .any(|(name, _)| name == k);
                let allowed = self.config.forwarded_login_params.contains(k)
                    && !PROTOCOL_PARAMS.contains(&k.as_str())
                    && k != &p.client_id_param
                    && !fixed;
                if allowed {
                    q.append_pair(k, v);
                }
            }
        }
        Ok(Authorization {
            url,
            pending: PendingLogin {
                provider: p.id.clone(),
                state,
                nonce,
                verifier: verifier.map(|v| v.expose().to_owned()),
                redirect_uri: self.config.redirect_uri.to_string(),
                return_to,
                created_at: crate::time::unix_seconds(now),
            },
        })
    }

    /// Checks a callback against its pending login and builds the token request.
    ///
    /// Checks, in order: the provider, `state` (constant time), `iss`
    /// (RFC 9207), an `error` response, and `code` — all before anything is
    /// sent to the provider.
    pub fn callback(
        &self,
        metadata: Arc<ProviderMetadata>,
        params: &CallbackParams,
        pending: PendingLogin,
        now: SystemTime,
    ) -> Result<(LoginExchange, http::Request<Vec<u8>>), LoginError> {
        if pending.provider != self.provider.id {
            return Err(RequestError::ProviderMismatch.into());
        }
        match &params.state {
            Some(s) if pending.state.matches(s) => {}
            Some(_) => return Err(RequestError::StateMismatch.into()),
            // An error response without state redeems nothing; report the error.
            None if params.error.is_some() => {}
            None => return Err(RequestError::MissingState.into()),
        }
        self.check_iss(&metadata, params.iss.as_deref())?;
        if let Some(error) = &params.error {
            return Err(RequestError::Authorization {
                error: http_util::truncate(error, 64),
                description: params
                    .error_description
                    .as_deref()
                    .map(|d| http_util::truncate(d, 200)),
            }
            .into());
        }
        let code = params
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or(RequestError::MissingCode)?;

        let mut fields: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &pending.redirect_uri),
        ];
        if let Some(v) = &pending.verifier {
            fields.push(("code_verifier", v));
        }
        if self.provider.state_in_token_request {
            fields.push(("state", pending.state.as_str()));
        }
        for name in &self.provider.forward_callback_params {
            if let Some((k, v)) = params.extra.iter().find(|(k, _)| k == name) {
                fields.push((k, v));
            }
        }
        let request = self.token_request(&metadata, fields, now)?;
        let exchange = LoginExchange {
            tokens: TokenPhase::new(
                self.clone(),
                metadata,
                Grant::AuthorizationCode,
                pending.nonce.map(|n| n.as_str().to_owned()),
                None,
            ),
            callback_extra: params.extra.clone(),
            return_to: pending.return_to,
            stage: LoginStage::Token,
            responses: Vec::new(),
        };
        Ok((exchange, request))
    }

    fn check_iss(
        &self,
        metadata: &ProviderMetadata,
        iss: Option<&str>,
    ) -> Result<(), RequestError> {
        let expected = self.expected_issuer(metadata);
        match (iss, expected) {
            (Some(iss), Some(rule)) => {
                let ok = match &rule {
                    IssuerRule::Exact(s) => s == iss,
                    // Templated issuers: the callback carries the concrete one;
                    // accept it when it fits the template's shape.
                    IssuerRule::Template {
                        template,
                        placeholder,
                        ..
                    } => {
                        let (pre, post) = template
                            .split_once(placeholder.as_str())
                            .unwrap_or((template, ""));
                        iss.starts_with(pre)
                            && iss.ends_with(post)
                            && iss.len() > pre.len() + post.len()
                    }
                };
                if ok {
                    Ok(())
                } else {
                    Err(RequestError::IssuerMismatch)
                }
            }
            (Some(_), None) => Ok(()),
            (None, _) if metadata.authorization_response_iss_parameter_supported => {
                Err(RequestError::MissingIssuer)
            }
            (None, _) => Ok(()),
        }
    }

    /// Starts a refresh: the token request and the exchange that reads its answer.
    ///
    /// `previous` is the original ID token's claims: a new ID token must have
    /// the same `iss` and `sub` (its nonce may be absent).
    pub fn refresh(
        &self,
        metadata: Arc<ProviderMetadata>,
        refresh_token: &Secret,
        previous: Option<&IdTokenClaims>,
        now: SystemTime,
    ) -> Result<(RefreshExchange, http::Request<Vec<u8>>), LoginError> {
        let fields = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        let request = self.token_request(&metadata, fields, now)?;
        let mut phase = TokenPhase::new(
            self.clone(),
            metadata,
            Grant::Refresh,
            None,
            previous.map(|c| c.subject.clone()),
        );
        if let Some(prev) = previous {
            phase.expected_issuer = Some(IssuerRule::Exact(prev.issuer.clone()));
        }
        Ok((
            RefreshExchange {
                phase,
                finished: false,
            },
            request,
        ))
    }

    fn token_request(
        &self,
        metadata: &ProviderMetadata,
        fields: Vec<(&str, &str)>,
        now: SystemTime,
    ) -> Result<http::Request<Vec<u8>>, LoginError> {
        let p = &self.provider;
        let mut fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let auth = self.auth_method(metadata);
        let secret = match &self.config.client_secret {
            None => None,
            Some(ClientSecret::Static(s)) => Some(s.clone()),
            Some(ClientSecret::Minted(m)) => Some(
                m.mint(&self.config.client_id, &metadata.token_endpoint, now)
                    .map_err(|_| ConfigError::ClientSecret)?,
            ),
        };
        let mut headers = p.token_headers.clone();
        match (auth, &secret) {
            (ClientAuth::Basic, Some(s)) => {
                let mut v = http::HeaderValue::from_str(&http_util::basic_auth(
                    &self.config.client_id,
                    s.expose(),
                ))
                .map_err(|_| ConfigError::InvalidHeader)?;
                v.set_sensitive(true);
                headers.push((http::header::AUTHORIZATION, v));
            }
            (ClientAuth::Post, Some(s)) => {
                fields.push((p.client_id_param.clone(), self.config.client_id.clone()));
                fields.push(("client_secret".into(), s.expose().to_owned()));
            }
            _ => fields.push((p.client_id_param.clone(), self.config.client_id.clone())),
        }
        let owned: Vec<(String, String)> = fields
            .into_iter()
            .chain(p.token_params.iter().cloned())
            .collect();
        let body = match p.token_body {
            BodyFormat::Form => (
                "application/x-www-form-urlencoded",
                http_util::form_encode(owned.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            ),
            BodyFormat::Json => {
                let obj: Map<String, Value> = owned
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                (
                    "application/json",
                    serde_json::to_vec(&obj).unwrap_or_default(),
                )
            }
        };
        Ok(http_util::request(
            http::Method::POST,
            &metadata.token_endpoint,
            &headers,
            Some(body),
        ))
    }
}

/// The shared token-response and ID-token phase of logins and refreshes.
struct TokenPhase {
    client: Client,
    metadata: Arc<ProviderMetadata>,
    grant: Grant,
    nonce: Option<String>,
    expected_subject: Option<String>,
    expected_issuer: Option<IssuerRule>,
    pending: Option<(Tokens, String, Option<String>, bool)>,
}

enum TokenOutcome {
    Keys(KeyRequest),
    Ready(Tokens),
}

impl TokenPhase {
    fn new(
        client: Client,
        metadata: Arc<ProviderMetadata>,
        grant: Grant,
        nonce: Option<String>,
        expected_subject: Option<String>,
    ) -> Self {
        let expected_issuer = client.expected_issuer(&metadata);
        Self {
            client,
            metadata,
            grant,
            nonce,
            expected_subject,
            expected_issuer,
            pending: None,
        }
    }

    fn on_token_response(
        &mut self,
        response: &http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<TokenOutcome, LoginError> {
        let tokens = tokens::parse(response, now, self.client.scopes())?;
        let Some(id_token) = tokens.id_token.as_ref().map(|t| t.expose().to_owned()) else {
            if self.client.provider.openid && self.grant == Grant::AuthorizationCode {
                return Err(ProviderError::MissingIdToken.into());
            }
            return Ok(TokenOutcome::Ready(tokens));
        };
        let (Some(_), Some(jwks_uri)) = (&self.expected_issuer, self.metadata.jwks_uri.clone())
        else {
            if self.client.provider.openid {
                return Err(ConfigError::CannotValidateIdToken.into());
            }
            // A plain OAuth 2.0 provider sent an ID token it cannot be checked
            // against: keep the raw token, expose no claims.
            return Ok(TokenOutcome::Ready(tokens));
        };
        let header =
            Header::peek(&id_token).map_err(|e| ProviderError::IdToken(IdTokenError::Jose(e)))?;
        if header.alg == crate::jose::Algorithm::HS256
            && self.client.provider.id_token_hs256_with_client_secret
        {
            if let Some(ClientSecret::Static(secret)) = &self.client.config.client_secret {
                let key = crate::jose::VerifyingKey::hmac(secret.expose().as_bytes(), None);
                self.pending = Some((tokens, id_token, header.kid, true));
                return self.on_keys(&JwkSet::from_keys(vec![key]), now);
            }
        }
        let request = KeyRequest {
            jwks_uri,
            kid: header.kid.clone(),
            refresh: false,
        };
        self.pending = Some((tokens, id_token, header.kid, false));
        Ok(TokenOutcome::Keys(request))
    }

    fn on_keys(&mut self, keys: &JwkSet, now: SystemTime) -> Result<TokenOutcome, LoginError> {
        let (mut tokens, id_token, kid, refreshed) =
            self.pending.take().ok_or(ConfigError::OutOfOrder)?;
        let validator = IdTokenValidator {
            issuer: self
                .expected_issuer
                .clone()
                .ok_or(ConfigError::CannotValidateIdToken)?,
            client_id: self.client.config.client_id.clone(),
            nonce: self.nonce.clone(),
            expected_subject: self.expected_subject.clone(),
            algorithms: self.client.provider.id_token_algorithms.clone(),
            leeway: self.client.config.leeway,
        };
        match validator.validate(&id_token, keys, now, Some(tokens.access_token.expose())) {
            Ok(claims) => {
                tokens.id_token_claims = Some(claims);
                Ok(TokenOutcome::Ready(tokens))
            }
            Err(IdTokenError::Jose(JoseError::UnknownKey)) if !refreshed => {
                let jwks_uri = self
                    .metadata
                    .jwks_uri
                    .clone()
                    .ok_or(ConfigError::CannotValidateIdToken)?;
                self.pending = Some((tokens, id_token, kid.clone(), true));
                Ok(TokenOutcome::Keys(KeyRequest {
                    jwks_uri,
                    kid,
                    refresh: true,
                }))
            }
            Err(e) => Err(ProviderError::IdToken(e).into()),
        }
    }
}

enum LoginStage {
    Token,
    Keys,
    Calls { tokens: Box<Tokens>, next: usize },
    Done,
}

/// A login after its callback was accepted: token exchange, ID token
/// validation, profile calls and identity mapping.
pub struct LoginExchange {
    tokens: TokenPhase,
    callback_extra: Vec<(String, String)>,
    return_to: Option<String>,
    stage: LoginStage,
    responses: Vec<(String, Value)>,
}

impl fmt::Debug for LoginExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginExchange")
            .field("provider", &self.tokens.client.provider.id)
            .finish_non_exhaustive()
    }
}

impl Exchange for LoginExchange {
    type Output = Login;

    fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<Step<Login>, LoginError> {
        match std::mem::replace(&mut self.stage, LoginStage::Done) {
            LoginStage::Token => match self.tokens.on_token_response(&response, now)? {
                TokenOutcome::Keys(k) => {
                    self.stage = LoginStage::Keys;
                    Ok(Step::NeedKeys(k))
                }
                TokenOutcome::Ready(t) => self.next_call(Box::new(t), 0),
            },
            LoginStage::Calls { tokens, next } => {
                self.on_call_response(&tokens, next, &response)?;
                self.next_call(tokens, next + 1)
            }
            LoginStage::Keys | LoginStage::Done => Err(ConfigError::OutOfOrder.into()),
        }
    }

    fn on_keys(&mut self, keys: &JwkSet, now: SystemTime) -> Result<Step<Login>, LoginError> {
        if !matches!(self.stage, LoginStage::Keys) {
            return Err(ConfigError::OutOfOrder.into());
        }
        match self.tokens.on_keys(keys, now)? {
            TokenOutcome::Keys(k) => Ok(Step::NeedKeys(k)),
            TokenOutcome::Ready(t) => self.next_call(Box::new(t), 0),
        }
    }
}

impl LoginExchange {
    fn on_call_response(
        &mut self,
        tokens: &Tokens,
        index: usize,
        response: &http::Response<Vec<u8>>,
    ) -> Result<(), LoginError> {
        let call = self
            .tokens
            .client
            .provider
            .calls
            .get(index)
            .ok_or(ConfigError::OutOfOrder)?;
        if !response.status().is_success() {
            if call.required {
                return Err(ProviderError::Status {
                    endpoint: call.name.clone(),
                    status: response.status().as_u16(),
                }
                .into());
            }
            return Ok(());
        }
        let value: Value = match serde_json::from_slice(response.body()) {
            Ok(v) if response.body().len() <= http_util::MAX_BODY => v,
            _ if !call.required => return Ok(()),
            _ => {
                return Err(ProviderError::MalformedResponse {
                    endpoint: call.name.clone(),
                    reason: "not json",
                }
                .into())
            }
        };
        if call.url == ApiUrl::Userinfo {
            if let Some(claims) = &tokens.id_token_claims {
                // OIDC Core §5.3.2: the userinfo sub must be the ID token's.
                if value.get("sub").and_then(Value::as_str) != Some(claims.subject.as_str()) {
                    return Err(ProviderError::UserinfoSubjectMismatch.into());
                }
            }
        }
        self.responses.push((call.name.clone(), value));
        Ok(())
    }

    fn next_call(
        &mut self,
        tokens: Box<Tokens>,
        mut index: usize,
    ) -> Result<Step<Login>, LoginError> {
        let provider = Arc::clone(&self.tokens.client.provider);
        while let Some(call) = provider.calls.get(index) {
            let url = match &call.url {
                ApiUrl::Fixed(u) => u.clone(),
                ApiUrl::Userinfo => match &self.tokens.metadata.userinfo_endpoint {
                    Some(u) => u.clone(),
                    None if !call.required => {
                        index += 1;
                        continue;
                    }
                    None => return Err(ConfigError::InvalidUrl("userinfo endpoint").into()),
                },
            };
            let request = api_request(call, url, &tokens.access_token, &self.tokens.client.config)?;
            self.stage = LoginStage::Calls {
                tokens,
                next: index,
            };
            return Ok(Step::Send(request));
        }
        self.finish(*tokens)
    }

    fn finish(&mut self, tokens: Tokens) -> Result<Step<Login>, LoginError> {
        let provider = &self.tokens.client.provider;
        let profile = Profile {
            provider: &provider.id,
            id_token: tokens.id_token_claims.as_ref(),
            token_extra: &tokens.extra,
            responses: &self.responses,
            callback: &self.callback_extra,
        };
        let mut identity = (provider.map_identity)(&profile)
            .map_err(|e| ProviderError::Profile(http_util::truncate(&e, 200)))?;
        if identity.id.is_empty() {
            return Err(ProviderError::Profile("empty user id".into()).into());
        }
        identity.provider.clone_from(&provider.id);
        if identity.raw.is_null() {
            let mut raw = tokens
                .id_token_claims
                .as_ref()
                .map(|c| c.claims.clone())
                .unwrap_or_default();
            for (name, v) in &self.responses {
                raw.insert(name.clone(), v.clone());
            }
            identity.raw = Value::Object(raw);
        }
        self.stage = LoginStage::Done;
        Ok(Step::Done(Login {
            identity,
            tokens,
            return_to: self.return_to.take(),
        }))
    }
}

fn api_request(
    call: &crate::provider::ApiCall,
    mut url: Url,
    token: &Secret,
    config: &ClientConfig,
) -> Result<http::Request<Vec<u8>>, LoginError> {
    let client_id = config.client_id.as_str();
    if let (Some(name), Some(ClientSecret::Static(secret))) =
        (&call.secret_proof, &config.client_secret)
    {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.expose().as_bytes());
        let tag = ring::hmac::sign(&key, token.expose().as_bytes());
        let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        url.query_pairs_mut().append_pair(name, &hex);
    }
    let mut headers = call.headers.clone();
    let mut form = None;
    let auth = match &call.token {
        TokenPlacement::Bearer => Some(format!("Bearer {}", token.expose())),
        TokenPlacement::Scheme(s) => Some(format!("{s} {}", token.expose())),
        TokenPlacement::Query(name) => {
            url.query_pairs_mut().append_pair(name, token.expose());
            None
        }
        TokenPlacement::Form(name, client_id_name) => {
            let mut pairs = vec![(name.as_str(), token.expose())];
            if let Some(c) = client_id_name {
                pairs.push((c.as_str(), client_id));
            }
            form = Some(http_util::form_encode(pairs));
            None
        }
    };
    if let Some(a) = auth {
        let mut v =
            http::HeaderValue::from_str(&a).map_err(|_| ProviderError::MalformedResponse {
                endpoint: "token".into(),
                reason: "access token is not a valid header value",
            })?;
        v.set_sensitive(true);
        headers.push((http::header::AUTHORIZATION, v));
    }
    let body = match form {
        Some(f) => Some(("application/x-www-form-urlencoded", f)),
        None if call.method == http::Method::POST => Some(("application/json", b"null".to_vec())),
        None => None,
    };
    Ok(http_util::request(
        call.method.clone(),
        &url,
        &headers,
        body,
    ))
}

/// A refresh in progress.
pub struct RefreshExchange {
    phase: TokenPhase,
    finished: bool,
}

impl fmt::Debug for RefreshExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshExchange")
            .field("provider", &self.phase.client.provider.id)
            .finish_non_exhaustive()
    }
}

impl Exchange for RefreshExchange {
    type Output = Tokens;

    fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<Step<Tokens>, LoginError> {
        if self.finished || self.phase.pending.is_some() {
            return Err(ConfigError::OutOfOrder.into());
        }
        let out = self.phase.on_token_response(&response, now);
        self.wrap(out)
    }

    fn on_keys(&mut self, keys: &JwkSet, now: SystemTime) -> Result<Step<Tokens>, LoginError> {
        if self.finished {
            return Err(ConfigError::OutOfOrder.into());
        }
        let out = self.phase.on_keys(keys, now);
        self.wrap(out)
    }
}

impl RefreshExchange {
    fn wrap(&mut self, out: Result<TokenOutcome, LoginError>) -> Result<Step<Tokens>, LoginError> {
        match out {
            Ok(TokenOutcome::Keys(k)) => Ok(Step::NeedKeys(k)),
            Ok(TokenOutcome::Ready(t)) => {
                self.finished = true;
                Ok(Step::Done(t))
            }
            Err(e) => {
                self.finished = true;
                Err(e)
            }
        }
    }
}

impl From<ParamsError> for LoginError {
    fn from(e: ParamsError) -> Self {
        LoginError::Request(RequestError::InvalidParameters(e))
    }
}
