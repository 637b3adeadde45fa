//! Client authentication at `/token`, `/par`, `/revoke` and `/introspect`:
//! `client_secret_basic` (RFC 6749 §2.3.1, form-encoded parts),
//! `client_secret_post`, `private_key_jwt` (`client_assertion.rs`) and
//! `none` for public clients. One method per request; secrets compared in
//! constant time; a client assertion's `jti` is used once.
//!
//! Failures are throttled per claimed `client_id` and per client address
//! (`throttle.rs`): the counters are read before the secret is checked
//! (one round trip for both), and a failure is counted after it. While a
//! counter imposes a wait, every request — right secret or wrong, known
//! client or not — is answered 429 with `Retry-After`, uncounted.

use sesame_core::audit::AuditEvent;
use std::time::{Duration, SystemTime};

use sesame_core::http_util::parse_params;
use sesame_core::protocol::ErrorCode;

use serde_json::json;
use sesame_core::response::json_response;

use crate::error::too_many_attempts;
use crate::store::Store;
use crate::throttle::{count_failure, counted_address, current_wait, ClientAddr, Counted};
use crate::{
    AuthServerService, AuthorizationServer, OAuthError, RegisteredClient, ServerError, StoreError,
    MAX_PARAMS_LEN,
};

/// Why a client was not let in.
pub(crate) enum ClientRefusal {
    /// Authentication failed, or the request was malformed.
    OAuth(OAuthError),
    /// Too many failures: the request must wait this long (429).
    Wait(Duration),
    /// The store failed (503).
    Store,
}

impl ClientRefusal {
    /// The answer, with `oauth` rendering the OAuth refusals.
    pub(crate) fn to_response(
        &self,
        oauth: impl FnOnce(&OAuthError) -> http::Response<Vec<u8>>,
    ) -> http::Response<Vec<u8>> {
        match self {
            ClientRefusal::OAuth(e) => oauth(e),
            ClientRefusal::Wait(wait) => too_many_attempts(*wait),
            ClientRefusal::Store => oauth(&ServerError::Store(StoreError).into()),
        }
    }
}

/// The credentials a request's form carries (besides HTTP Basic).
#[derive(Clone, Copy, Default)]
pub(crate) struct FormCredentials<'a> {
    pub(crate) id: Option<&'a str>,
    pub(crate) secret: Option<&'a str>,
    pub(crate) assertion_type: Option<&'a str>,
    pub(crate) assertion: Option<&'a str>,
    /// The endpoint called (`/token`, …): an assertion's `aud` may name it.
    pub(crate) endpoint: &'a str,
}

impl<'a> FormCredentials<'a> {
    /// The credentials of a parsed form sent to `endpoint`.
    pub(crate) fn of(form: &'a [(String, String)], endpoint: &'a str) -> Self {
        Self {
            id: crate::param(form, "client_id"),
            secret: crate::param(form, "client_secret"),
            assertion_type: crate::param(form, "client_assertion_type"),
            assertion: crate::param(form, "client_assertion"),
            endpoint,
        }
    }

    /// The client id the request claims (for the throttle's counters):
    /// the form's, or the assertion's unverified `sub`.
    fn claimed_id(&self) -> Option<String> {
        self.id.map(str::to_owned).or_else(|| {
            let claims = sesame_core::jose::unverified_claims(self.assertion?).ok()?;
            claims.get("sub")?.as_str().map(str::to_owned)
        })
    }
}

/// Why [`AuthorizationServer::authenticate`] let no client in.
pub(crate) enum AuthFailure {
    /// The credentials are wrong, or the request malformed.
    OAuth(OAuthError),
    /// The client's keys could not be fetched from its `jwks_uri` (and none
    /// were held): refused as `invalid_client`, but not counted as a
    /// guess, since the client may well be right.
    KeysUnavailable,
}

impl From<OAuthError> for AuthFailure {
    fn from(e: OAuthError) -> Self {
        AuthFailure::OAuth(e)
    }
}

/// An authenticated client, and the assertion `jti` to record, if any.
pub(crate) struct Authenticated<'a> {
    pub(crate) client: &'a RegisteredClient,
    replay: Option<(String, SystemTime)>,
}

impl AuthorizationServer {
    /// The client a request authenticates as, from its `Authorization`
    /// header or its form's credentials. A client assertion's `jti` is not
    /// recorded here: see [`authenticate_throttled`](Self::authenticate_throttled).
    pub(crate) async fn authenticate(
        &self,
        request: &http::Request<Vec<u8>>,
        creds: FormCredentials<'_>,
        now: SystemTime,
    ) -> Result<Authenticated<'_>, AuthFailure> {
        let (body_id, body_secret) = (creds.id, creds.secret);
        if request
            .headers()
            .get_all(http::header::AUTHORIZATION)
            .iter()
            .nth(1)
            .is_some()
        {
            // Two credentials: which one would count? Neither.
            return Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                "repeated authorization header",
            )
            .into());
        }
        let basic = match request.headers().get(http::header::AUTHORIZATION) {
            Some(h) => Some(
                parse_basic(h.to_str().map_err(|_| OAuthError::invalid_client(true))?)
                    .ok_or_else(|| OAuthError::invalid_client(true))?,
            ),
            None => None,
        };
        if let Some(assertion) = creds.assertion {
            if basic.is_some() || body_secret.is_some() {
                return Err(OAuthError::new(
                    ErrorCode::InvalidRequest,
                    "use one client authentication method",
                )
                .into());
            }
            let checked = self
                .check_assertion(
                    creds.assertion_type,
                    assertion,
                    body_id,
                    creds.endpoint,
                    now,
                )
                .await?;
            return Ok(Authenticated {
                client: checked.client,
                replay: Some((checked.replay_key, checked.until)),
            });
        }
        if self.config.fapi2 {
            // FAPI 2.0 §5.3.2.1: private_key_jwt (or mTLS) only.
            return Err(OAuthError::new(
                ErrorCode::InvalidClient,
                "this server requires private_key_jwt client authentication",
            )
            .into());
        }
        let (id, secret, via_basic) = match (basic, body_secret) {
            (Some(_), Some(_)) => {
                return Err(OAuthError::new(
                    ErrorCode::InvalidRequest,
                    "use one client authentication method",
                )
                .into())
            }
            (Some((id, secret)), None) => {
                if body_id.is_some_and(|b| b != id) {
                    return Err(OAuthError::invalid_client(true).into());
                }
                (id, Some(secret), true)
            }
            (None, secret) => (
                body_id
                    .ok_or_else(|| OAuthError::invalid_client(false))?
                    .to_owned(),
                secret.map(str::to_owned),
                false,
            ),
        };
        let client = self
            .client(&id)
            .ok_or_else(|| OAuthError::invalid_client(via_basic))?;
        let done = Authenticated {
            client,
            replay: None,
        };
        match (&client.secret, secret) {
            (Some(expected), Some(given)) if expected.ct_eq(&given) => Ok(done),
            // A private_key_jwt client has no secret, but is not public.
            (None, None) if !client.uses_private_key_jwt() => Ok(done),
            _ => Err(OAuthError::invalid_client(via_basic).into()),
        }
    }
}

impl AuthorizationServer {
    /// The counters a client authentication is throttled by: its claimed
    /// `client_id` (from HTTP Basic or the form) and its address.
    fn client_counters(
        &self,
        request: &http::Request<Vec<u8>>,
        creds: FormCredentials<'_>,
    ) -> Vec<Counted<'_>> {
        let t = &self.config.throttle;
        let issuer = &self.config.issuer;
        let mut counted = Vec::with_capacity(2);
        if !t.client.is_off() {
            let mut headers = request
                .headers()
                .get_all(http::header::AUTHORIZATION)
                .iter();
            let claimed = match (headers.next(), headers.next()) {
                (None, _) => creds.claimed_id(),
                (Some(h), None) => h.to_str().ok().and_then(parse_basic).map(|(id, _)| id),
                // Refused as malformed before any secret is compared.
                (Some(_), Some(_)) => None,
            };
            if let Some(id) = claimed {
                counted.push(Counted {
                    key: t.key(issuer, "client", &id),
                    limit: &t.client,
                });
            }
        }
        if !t.client_address.is_off() {
            if let Some(addr) = ClientAddr::of(request) {
                counted.push(Counted {
                    key: t.key(issuer, "client-addr", &counted_address(addr)),
                    limit: &t.client_address,
                });
            }
        }
        counted
    }

    /// [`authenticate`](Self::authenticate), throttled: refused with a wait
    /// while the client's or the address's failures impose one, and each
    /// failed authentication counted.
    pub(crate) async fn authenticate_throttled(
        &self,
        request: &http::Request<Vec<u8>>,
        creds: FormCredentials<'_>,
        store: &dyn Store,
        now: SystemTime,
    ) -> Result<&RegisteredClient, ClientRefusal> {
        let body_id = creds.id;
        let counted = self.client_counters(request, creds);
        let t = &self.config.throttle;
        if !counted.is_empty() {
            match current_wait(t, store, &counted, now).await {
                Ok(None) => {}
                Ok(Some(wait)) => {
                    crate::audit::emit(AuditEvent::Throttled, body_id);
                    return Err(ClientRefusal::Wait(wait));
                }
                Err(_) => return Err(ClientRefusal::Store),
            }
        }
        let outcome = match self.authenticate(request, creds, now).await {
            Ok(Authenticated {
                client,
                replay: Some((key, until)),
            }) => match store.put_new(&key, until, now).await {
                Ok(true) => Ok(client),
                // A replayed assertion: a failed authentication.
                Ok(false) => Err(OAuthError::invalid_client(false)),
                Err(_) => return Err(ClientRefusal::Store),
            },
            Ok(done) => Ok(done.client),
            Err(AuthFailure::OAuth(e)) => Err(e),
            // Not a guess: refused, uncounted (the fetch failure is logged).
            Err(AuthFailure::KeysUnavailable) => {
                return Err(ClientRefusal::OAuth(OAuthError::invalid_client(false)))
            }
        };
        if counted.is_empty() {
            return outcome.map_err(ClientRefusal::OAuth);
        }
        match outcome {
            Ok(client) => Ok(client),
            Err(e) if e.code == ErrorCode::InvalidClient => {
                crate::audit::emit(AuditEvent::ClientAuthFailed, body_id);
                match count_failure(t, store, &counted, now).await {
                    Ok(None) => Err(ClientRefusal::OAuth(e)),
                    Ok(Some(wait)) => Err(ClientRefusal::Wait(wait)),
                    Err(_) => Err(ClientRefusal::Store),
                }
            }
            Err(e) => Err(ClientRefusal::OAuth(e)),
        }
    }
}

/// Parses `Authorization: Basic` per RFC 6749 §2.3.1 (form-urlencoded parts).
fn parse_basic(header: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let (scheme, b64) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| {
        parse_params(format!("x={s}").as_bytes(), MAX_PARAMS_LEN)
            .ok()?
            .pop()
            .map(|(_, v)| v)
    };
    Some((decode(id)?, decode(secret)?))
}

impl AuthServerService {
    pub(crate) async fn client_of(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
    ) -> Result<(String, Vec<(String, String)>), http::Response<Vec<u8>>> {
        let form = parse_params(request.body(), crate::MAX_PARAMS_LEN).map_err(|_| {
            json_response(400, &json!({"error": ErrorCode::InvalidRequest.as_str()}))
        })?;
        let endpoint = request.uri().path();
        match self
            .server
            .authenticate_throttled(
                request,
                FormCredentials::of(&form, endpoint),
                self.store.as_ref(),
                now,
            )
            .await
        {
            Ok(c) => Ok((c.id.clone(), form.clone())),
            Err(refusal) => Err(refusal.to_response(|e| {
                let mut r = json_response(e.status(), &json!({"error": e.code.as_str()}));
                if e.basic_challenge {
                    r.headers_mut().insert(
                        http::header::WWW_AUTHENTICATE,
                        http::HeaderValue::from_static("Basic realm=\"token\""),
                    );
                }
                r
            })),
        }
    }

    /// The authenticated client and the `token` parameter of a revocation
    /// or introspection request; on failure, the answer.
    #[allow(clippy::result_large_err)] // the error is the answer, moved once
    pub(crate) async fn client_and_token(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
    ) -> Result<(String, String), http::Response<Vec<u8>>> {
        let (client_id, form) = self.client_of(request, now).await?;
        match crate::param(&form, "token") {
            Some(token) => Ok((client_id, token.to_owned())),
            None => Err(json_response(
                400,
                &json!({"error": ErrorCode::InvalidRequest.as_str()}),
            )),
        }
    }
}
