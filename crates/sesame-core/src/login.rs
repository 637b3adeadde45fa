//! The login routes' logic, free of any web framework.
//!
//! [`LoginService`] holds the provider registry, the cookie sealer and the
//! cookie policy. The Axum and Poem adapters (and any other driver) only
//! translate their framework's request into the calls below and the
//! returned values into a response — so every adapter shares one set of
//! rules for cookies, `return_to`, and error responses.
//!
//! # Cookies
//!
//! One cookie per pending login, named `sesame-login-<state>`, so that two
//! logins started in two tabs never overwrite each other. Attributes:
//! `HttpOnly`; `SameSite=Lax` (`None` for `form_post` providers, whose
//! callback is a cross-site POST); `Secure` unless explicitly disabled for
//! `http://localhost` development; `Path` = the callback's path, so the
//! cookie goes nowhere else; `Max-Age` = the login expiry. The callback
//! clears it, whatever the outcome.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::client::{CallbackParams, Client, LoginExchange, PendingLogin, Prover, PushedRequest};
use crate::discovery::ProviderMetadata;
use crate::error::{LoginError, RequestError};
use crate::provider::ResponseMode;
use crate::random::Random;
use crate::seal::Sealer;
use crate::step::{Exchange, Step};

/// The prefix of pending-login cookie names.
pub const COOKIE_PREFIX: &str = "sesame-login-";

/// Cookie attributes for pending-login cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CookiePolicy {
    /// Send the `Secure` attribute (default true). Turn off only for
    /// `http://localhost` development.
    pub secure: bool,
}

impl Default for CookiePolicy {
    fn default() -> Self {
        Self { secure: true }
    }
}

/// The answer to a login request: redirect here and set this cookie.
#[derive(Debug, Clone)]
pub struct LoginRedirect {
    /// Where to send the browser (answer 303).
    pub location: url::Url,
    /// The `Set-Cookie` header value carrying the sealed pending login.
    pub set_cookie: String,
    /// The login's `state` (also when the request was pushed and the
    /// location carries only a `request_uri`): what the callback will
    /// bring back, for values bound to this login (an account link).
    pub state: String,
}

impl LoginRedirect {
    /// The HTTP answer: `303 See Other` (never 307/308), `Location`,
    /// `Set-Cookie` and `Cache-Control: no-store`.
    pub fn to_response(&self) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(http::StatusCode::SEE_OTHER)
            .header(http::header::LOCATION, self.location.as_str())
            .header(http::header::SET_COOKIE, &self.set_cookie)
            .header(http::header::CACHE_CONTROL, "no-store")
            .body(Vec::new())
            .unwrap_or_else(|_| {
                error_response(&LoginError::Config(crate::ConfigError::InvalidHeader))
            })
    }
}

/// The parameters of a callback: the query string of a GET, or the form
/// body of a `form_post` POST.
pub fn callback_params(
    query: Option<&str>,
    form: Option<&[u8]>,
) -> Result<CallbackParams, LoginError> {
    match form {
        Some(body) => CallbackParams::from_form(body),
        None => CallbackParams::from_query(query.unwrap_or("")),
    }
}

/// A callback accepted for exchange, or refused; with the cookie to clear either way.
#[derive(Debug)]
pub struct CallbackStart {
    /// The exchange and its first request, or why the callback was refused.
    pub result: Result<(LoginExchange, crate::step::Outgoing), LoginError>,
    /// A `Set-Cookie` header value clearing the login's cookie, if one was found.
    pub clear_cookie: Option<String>,
}

/// A login being started ([`LoginService::begin`]): when it pushes its
/// request, the provider's answer gives the redirect.
#[derive(Debug)]
pub struct LoginStart {
    /// `None` when the login did not push its request (the redirect was
    /// the first step, nothing is left to do).
    push: Option<Box<PushedLogin>>,
}

/// A login whose request was pushed: what the provider's answer needs.
#[derive(Debug)]
struct PushedLogin {
    client: Client,
    authorization_endpoint: url::Url,
    /// `Some` until the pushed request's answer came.
    set_cookie: Option<String>,
    /// The login's state.
    state: String,
    /// With DPoP, what sending the pushed request again with the
    /// provider's nonce takes (once).
    dpop_retry: Option<PushRetry>,
}

/// A pushed request to send again with a DPoP nonce.
#[derive(Debug)]
struct PushRetry {
    metadata: Box<ProviderMetadata>,
    params: Vec<(String, String)>,
    prover: Prover,
}

impl Exchange for LoginStart {
    type Output = LoginRedirect;
    type Error = LoginError;

    fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<Step<LoginRedirect>, LoginError> {
        let Some(push) = self.push.as_deref_mut() else {
            return Err(crate::error::UsageError::OutOfOrder.into());
        };
        if push.set_cookie.is_none() {
            return Err(crate::error::UsageError::OutOfOrder.into());
        }
        if let Some(nonce) = crate::dpop::nonce_retry(&response) {
            if let Some(mut retry) = push.dpop_retry.take() {
                let endpoint = retry
                    .metadata
                    .pushed_authorization_request_endpoint
                    .clone()
                    .ok_or(crate::ProviderError::NoPushEndpoint)?;
                retry.prover.remember(&endpoint, Some(nonce));
                let out = push.client.push_with(
                    &retry.metadata,
                    &retry.params,
                    now,
                    Some(&mut retry.prover),
                )?;
                return Ok(Step::Send(out));
            }
        }
        push.dpop_retry = None;
        let set_cookie = push
            .set_cookie
            .take()
            .ok_or(crate::error::UsageError::OutOfOrder)?;
        let pushed = PushedRequest::from_response(&response)?;
        let mut location = push.authorization_endpoint.clone();
        location
            .query_pairs_mut()
            .append_pair(
                &push.client.provider().client_id_param,
                &push.client.config().client_id,
            )
            .append_pair("request_uri", &pushed.request_uri);
        Ok(Step::Done(LoginRedirect {
            location,
            set_cookie,
            state: push.state.clone(),
        }))
    }

    fn on_keys(
        &mut self,
        _keys: &crate::jose::JwkSet,
        _now: SystemTime,
    ) -> Result<Step<LoginRedirect>, LoginError> {
        Err(crate::error::UsageError::OutOfOrder.into())
    }
}

/// The provider registry and the login rules shared by all adapters.
#[derive(Debug)]
pub struct LoginService {
    sealer: Sealer,
    clients: BTreeMap<String, Client>,
    cookies: CookiePolicy,
}

impl LoginService {
    /// A service sealing login cookies with `sealer`.
    pub fn new(sealer: Sealer) -> Self {
        Self {
            sealer,
            clients: BTreeMap::new(),
            cookies: CookiePolicy::default(),
        }
    }

    /// Registers a provider under its id (replacing one with the same id).
    pub fn provider(mut self, client: Client) -> Self {
        self.clients.insert(client.provider().id.clone(), client);
        self
    }

    /// Sets the cookie policy.
    pub fn cookie_policy(mut self, policy: CookiePolicy) -> Self {
        self.cookies = policy;
        self
    }

    /// Allows non-`Secure` cookies (plain-http development on localhost only).
    pub fn insecure_cookies(mut self) -> Self {
        self.cookies.secure = false;
        self
    }

    /// The registered clients, by provider id.
    pub fn clients(&self) -> impl Iterator<Item = &Client> {
        self.clients.values()
    }

    /// The client for a provider id.
    pub fn client(&self, provider_id: &str) -> Result<&Client, LoginError> {
        self.clients
            .get(provider_id)
            .ok_or(LoginError::Request(RequestError::UnknownProvider))
    }

    /// The sealer.
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// Starts a login from the login route's query string (its
    /// `return_to` and the parameters the client forwards,
    /// [`ClientConfig::forward_login_param`](crate::client::ClientConfig::forward_login_param)):
    /// the exchange, whose first step is the redirect itself
    /// ([`Step::Done`]), or — when the login pushes its request (RFC 9126,
    /// [`Client::pushes`]) — the pushed request to send ([`Step::Send`]).
    /// Drive it like any other [exchange](crate::step).
    ///
    /// ```
    /// # use sesame_core::login::LoginService;
    /// # use sesame_core::step::Step;
    /// # fn demo(service: &LoginService, meta: &sesame_core::discovery::ProviderMetadata) -> Result<(), sesame_core::LoginError> {
    /// let rng = ring::rand::SystemRandom::new();
    /// let (_start, step) = service.begin("example", meta, Some("return_to=/me"), std::time::SystemTime::now(), &rng)?;
    /// match step {
    ///     Step::Done(redirect) => { let _answer = redirect.to_response(); }
    ///     Step::Send(push) => { /* send push.request, then start.on_response(…) */ }
    ///     Step::NeedKeys(_) => unreachable!("starting a login needs no keys"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn begin(
        &self,
        provider_id: &str,
        metadata: &ProviderMetadata,
        query: Option<&str>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<(LoginStart, Step<LoginRedirect>), LoginError> {
        let client = self.client(provider_id)?;
        let auth = self.authorization(client, metadata, query, now, rng)?;
        let redirect = self.redirect(client, &auth.pending, auth.url, now, rng)?;
        if !client.pushes(metadata) {
            return Ok((LoginStart { push: None }, Step::Done(redirect)));
        }
        let key = client.dpop_key_for(auth.pending.dpop_key());
        let mut prover = Prover::for_key(key, rng)?;
        let request = client.push_with(metadata, &auth.params, now, prover.as_mut())?;
        let dpop_retry = prover.map(|prover| PushRetry {
            metadata: Box::new(metadata.clone()),
            params: auth.params,
            prover,
        });
        let start = LoginStart {
            push: Some(Box::new(PushedLogin {
                client: client.clone(),
                authorization_endpoint: metadata.authorization_endpoint.clone(),
                set_cookie: Some(redirect.set_cookie),
                state: redirect.state,
                dpop_retry,
            })),
        };
        Ok((start, Step::Send(request)))
    }

    /// The authorization request for a login route's query string.
    fn authorization(
        &self,
        client: &Client,
        metadata: &ProviderMetadata,
        query: Option<&str>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<crate::client::Authorization, LoginError> {
        let pairs = match query {
            Some(q) => {
                crate::http_util::parse_params(q.as_bytes(), crate::client::MAX_CALLBACK_LEN)?
            }
            None => Vec::new(),
        };
        let return_to = pairs
            .iter()
            .find(|(k, _)| k == "return_to")
            .map(|(_, v)| v.as_str());
        client.begin_with(metadata, return_to, &pairs, now, rng)
    }

    /// Starts a login from the login route's query string without pushing
    /// its request: the redirect and the pending-login cookie. Refused
    /// with [`UsageError::PushRequired`](crate::error::UsageError::PushRequired)
    /// at a provider that requires pushed requests; [`begin`](Self::begin)
    /// pushes when the provider offers it.
    pub fn start_from_query(
        &self,
        provider_id: &str,
        metadata: &ProviderMetadata,
        query: Option<&str>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<LoginRedirect, LoginError> {
        if metadata.require_pushed_authorization_requests {
            return Err(crate::error::UsageError::PushRequired.into());
        }
        let client = self.client(provider_id)?;
        let auth = self.authorization(client, metadata, query, now, rng)?;
        self.redirect(client, &auth.pending, auth.url, now, rng)
    }

    /// Starts a login without pushing its request: the redirect and the
    /// pending-login cookie (see [`start_from_query`](Self::start_from_query)).
    pub fn start(
        &self,
        provider_id: &str,
        metadata: &ProviderMetadata,
        return_to: Option<&str>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<LoginRedirect, LoginError> {
        if metadata.require_pushed_authorization_requests {
            return Err(crate::error::UsageError::PushRequired.into());
        }
        let client = self.client(provider_id)?;
        let auth = client.begin(metadata, return_to, now, rng)?;
        self.redirect(client, &auth.pending, auth.url, now, rng)
    }

    fn redirect(
        &self,
        client: &Client,
        pending: &PendingLogin,
        location: url::Url,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<LoginRedirect, LoginError> {
        let sealed = pending.seal(&self.sealer, now, rng)?;
        let set_cookie =
            self.cookie_header(client, pending.state(), &sealed, self.sealer.get_max_age());
        Ok(LoginRedirect {
            location,
            set_cookie,
            state: pending.state().to_owned(),
        })
    }

    /// Accepts a callback: finds and opens the login's cookie, checks the
    /// parameters, and returns the exchange to drive.
    ///
    /// `cookie_headers` are the request's `Cookie` header values; `rng`
    /// seeds the login's DPoP proofs when the client uses DPoP (see
    /// [`Client::callback`]).
    pub fn callback<'a>(
        &self,
        provider_id: &str,
        metadata: Arc<ProviderMetadata>,
        params: &CallbackParams,
        cookie_headers: impl IntoIterator<Item = &'a str>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> CallbackStart {
        let client = match self.client(provider_id) {
            Ok(c) => c,
            Err(e) => {
                return CallbackStart {
                    result: Err(e),
                    clear_cookie: None,
                }
            }
        };
        let cookies = crate::cookie::parse_cookies(cookie_headers);
        let Some(state) = params.state.as_deref() else {
            let err = match &params.error {
                // An error response without state: report the error; nothing is redeemed.
                Some(_) => client
                    .callback(metadata, params, placeholder_pending(client), now, rng)
                    .err()
                    .unwrap_or(LoginError::Request(RequestError::MissingState)),
                None => LoginError::Request(RequestError::MissingState),
            };
            return CallbackStart {
                result: Err(err),
                clear_cookie: None,
            };
        };
        let valid_name = state.len() <= 64
            && state
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let cookie = if valid_name {
            cookies
                .iter()
                .find(|(n, _)| n.strip_prefix(COOKIE_PREFIX) == Some(state))
                .map(|(_, v)| *v)
        } else {
            None
        };
        let Some(sealed) = cookie else {
            let any_pending = cookies.iter().any(|(n, _)| n.starts_with(COOKIE_PREFIX));
            let err = if any_pending {
                RequestError::StateMismatch
            } else {
                RequestError::MissingLoginState
            };
            return CallbackStart {
                result: Err(err.into()),
                clear_cookie: None,
            };
        };
        let clear_cookie = Some(self.cookie_header(client, state, "", Duration::ZERO));
        let result = PendingLogin::open(&self.sealer, Some(sealed), now)
            .and_then(|pending| client.callback(metadata, params, pending, now, rng));
        CallbackStart {
            result,
            clear_cookie,
        }
    }

    /// The `Set-Cookie` value of the login cookie for `state`.
    fn cookie_header(
        &self,
        client: &Client,
        state: &str,
        value: &str,
        max_age: Duration,
    ) -> String {
        use std::fmt::Write as _;
        let form_post = client.provider().response_mode == ResponseMode::FormPost;
        let path = client.config().redirect_uri.path();
        let mut h = String::with_capacity(
            COOKIE_PREFIX.len() + state.len() + value.len() + path.len() + 64,
        );
        h.push_str(COOKIE_PREFIX);
        h.push_str(state);
        h.push('=');
        h.push_str(value);
        h.push_str("; Path=");
        h.push_str(path);
        let _ = write!(h, "; Max-Age={}; HttpOnly", max_age.as_secs());
        h.push_str(if form_post {
            "; SameSite=None"
        } else {
            "; SameSite=Lax"
        });
        if self.cookies.secure {
            h.push_str("; Secure");
        }
        h
    }
}

/// A pending login that matches nothing, to run the error checks of a
/// callback that has no state.
fn placeholder_pending(client: &Client) -> PendingLogin {
    PendingLogin::placeholder(&client.provider().id)
}

/// The JSON body and status for a login error:
/// `{"error": "<code>", "error_description": "<message>"}`. No internals,
/// no secrets: the message is the error's short display text.
pub fn error_response(err: &LoginError) -> http::Response<Vec<u8>> {
    let body = serde_json::json!({"error": err.code(), "error_description": err.to_string()});
    crate::response::json_response(err.status(), &body)
}

/// How a call to the provider failed below HTTP (the driver's finding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The provider did not answer in time: 504 `provider_timeout`.
    Timeout,
    /// The provider could not be reached or answered garbage: 502 `provider_unavailable`.
    Unreachable,
}

impl TransportFailure {
    /// The status adapters answer with.
    pub fn status(self) -> u16 {
        match self {
            TransportFailure::Timeout => 504,
            TransportFailure::Unreachable => 502,
        }
    }

    /// The error code of the JSON body.
    pub fn code(self) -> &'static str {
        match self {
            TransportFailure::Timeout => "provider_timeout",
            TransportFailure::Unreachable => "provider_unavailable",
        }
    }

    /// The JSON error response; `what` is a short description (no internals).
    pub fn to_response(self, what: &str) -> http::Response<Vec<u8>> {
        crate::response::json_response(
            self.status(),
            &serde_json::json!({"error": self.code(), "error_description": what}),
        )
    }
}
