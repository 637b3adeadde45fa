//! The resource server's protocol: validating bearer tokens (RFC 6750,
//! RFC 9068) and guarding routes by scope and claims, sans-IO.
//!
//! The driver's loop:
//!
//! ```text
//! token = extract_bearer(headers)?                       // 401 / 400
//! key   = validator.keys_for(token)?                     // which issuer, which kid
//! keys  = match key {                                    // static, or from the cache:
//!     KeySource::Static(keys) => keys,
//!     KeySource::Fetch(k) => jwks_cache.lookup(k.jwks_uri, k.kid, ..),
//! };
//! claims = match validator.validate(token, &keys, now) {
//!     Err(e) if e.wants_refetch() => validator.validate(token, &refetched_keys, now)?,
//!     other => other?,
//! };
//! guard.check(&claims)?                                  // 403 insufficient_scope
//! ```
//!
//! Failures answer RFC 6750 §3: `401` with `WWW-Authenticate: Bearer
//! error="invalid_token"` (no detail that helps an attacker), `403
//! insufficient_scope` naming the scope needed, `400 invalid_request` for a
//! malformed header.

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use url::Url;

use crate::client::KeyRequest;
use crate::jose::{self, Algorithm, JoseError, JwkSet};

/// Where a trusted issuer's verification keys come from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum IssuerKeys {
    /// Fetched from this JWKS URI by the driver (cached; refetched once,
    /// rate-limited, when a token names an unknown `kid`).
    Remote(Url),
    /// A fixed key set configured by the app: nothing is fetched, and an
    /// unknown `kid` is simply an invalid token. Rotate by reconfiguring.
    Static(JwkSet),
}

/// What [`BearerValidator::keys_for`] says a token needs. Exhaustive on
/// purpose: a driver must handle every way of getting keys.
#[derive(Debug)]
pub enum KeySource<'a> {
    /// Get the key set this request names (from a JWKS cache).
    Fetch(KeyRequest),
    /// Validate with these configured keys.
    Static(&'a JwkSet),
}

/// An issuer whose tokens the API accepts.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TrustedIssuer {
    /// The exact `iss`.
    pub issuer: String,
    /// Where its keys are: a JWKS URI (from its metadata, or configured)
    /// or a static key set.
    pub keys: IssuerKeys,
    /// Accepted audiences (`aud` must contain one); empty accepts any.
    pub audiences: Vec<String>,
    /// Allowed signature algorithms.
    pub algorithms: Vec<Algorithm>,
    /// Require `typ: at+jwt` (RFC 9068). On by default.
    pub require_at_jwt: bool,
}

impl TrustedIssuer {
    /// An issuer with its JWKS URI and the audience this API is.
    pub fn new(issuer: &str, jwks_uri: Url, audience: &str) -> Self {
        Self::with(issuer, IssuerKeys::Remote(jwks_uri), audience)
    }

    /// An issuer whose keys are configured, not fetched (a JWKS document
    /// shipped with the app, parsed with [`JwkSet::parse`]).
    pub fn with_static_keys(issuer: &str, keys: JwkSet, audience: &str) -> Self {
        Self::with(issuer, IssuerKeys::Static(keys), audience)
    }

    fn with(issuer: &str, keys: IssuerKeys, audience: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            keys,
            audiences: vec![audience.to_owned()],
            algorithms: Algorithm::ASYMMETRIC.to_vec(),
            require_at_jwt: true,
        }
    }

    /// Accepts tokens without `typ: at+jwt` (issuers that predate RFC 9068).
    pub fn allow_plain_jwt(mut self) -> Self {
        self.require_at_jwt = false;
        self
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// No credentials at all: 401 with a bare `Bearer` challenge.
    #[error("no bearer token")]
    Missing,
    /// A malformed `Authorization` header: 400 `invalid_request`.
    #[error("malformed authorization header")]
    InvalidRequest,
    /// The token is not acceptable: 401 `invalid_token`. The reason is for
    /// logs only; it is not sent to the client.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The token's key is unknown: refetch the JWKS once, then it is `InvalidToken`.
    #[error("invalid token: unknown key")]
    UnknownKey,
    /// A required scope is missing: 403 `insufficient_scope`.
    #[error("insufficient scope: {0}")]
    InsufficientScope(String),
    /// A required claim is missing or has another value: 403.
    #[error("forbidden")]
    Forbidden,
}

impl BearerError {
    /// Whether the driver should refetch the issuer's JWKS and validate once more.
    pub fn wants_refetch(&self) -> bool {
        matches!(self, BearerError::UnknownKey)
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            BearerError::Missing | BearerError::InvalidToken(_) | BearerError::UnknownKey => 401,
            BearerError::InvalidRequest => 400,
            BearerError::InsufficientScope(_) | BearerError::Forbidden => 403,
        }
    }

    /// The RFC 6750 response: status, `WWW-Authenticate`, a JSON body.
    pub fn to_response(&self, realm: &str) -> http::Response<Vec<u8>> {
        let realm = realm.replace(['"', '\\'], "");
        let (challenge, code) = match self {
            BearerError::Missing => (format!("Bearer realm=\"{realm}\""), None),
            BearerError::InvalidRequest => (
                format!("Bearer realm=\"{realm}\", error=\"invalid_request\""),
                Some("invalid_request"),
            ),
            BearerError::InvalidToken(_) | BearerError::UnknownKey => (
                format!("Bearer realm=\"{realm}\", error=\"invalid_token\""),
                Some("invalid_token"),
            ),
            BearerError::InsufficientScope(scope) => (
                format!(
                    "Bearer realm=\"{realm}\", error=\"insufficient_scope\", scope=\"{}\"",
                    scope.replace(['"', '\\'], "")
                ),
                Some("insufficient_scope"),
            ),
            BearerError::Forbidden => (
                format!("Bearer realm=\"{realm}\", error=\"insufficient_scope\""),
                Some("insufficient_scope"),
            ),
        };
        let body = match code {
            Some(c) => serde_json::json!({"error": c}),
            None => serde_json::json!({"error": "unauthorized"}),
        };
        let mut resp = crate::login::json_response(self.status(), &body);
        if let Ok(v) = http::HeaderValue::from_str(&challenge) {
            resp.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
        }
        resp
    }
}

/// The bearer token of a request (`Authorization: Bearer <token>`).
pub fn extract_bearer(headers: &http::HeaderMap) -> Result<&str, BearerError> {
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(BearerError::Missing);
    };
    if values.next().is_some() {
        return Err(BearerError::InvalidRequest);
    }
    let text = value.to_str().map_err(|_| BearerError::InvalidRequest)?;
    let (scheme, token) = text.split_once(' ').ok_or(BearerError::InvalidRequest)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    let token = token.trim();
    // RFC 6750 §2.1 b64token.
    let ok = !token.is_empty()
        && token.len() <= 16 * 1024
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b));
    if ok {
        Ok(token)
    } else {
        Err(BearerError::InvalidRequest)
    }
}

/// A validated access token.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AccessClaims {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `scope`, split.
    pub scopes: Vec<String>,
    /// `client_id`, if present.
    pub client_id: Option<String>,
    /// `exp`.
    pub expires_at: SystemTime,
    /// Every claim.
    pub claims: Map<String, Value>,
}

/// What a handler can ask for from a validated token: [`AccessClaims`]
/// itself, or any type that deserializes from the token's claims (your
/// own struct with `sub`, `role`, `tenant`, …).
///
/// ```
/// use sesame_core::resource::{AccessClaims, FromAccessClaims};
///
/// #[derive(serde::Deserialize)]
/// struct Mine {
///     sub: String,
///     role: String,
/// }
/// # fn f(claims: &AccessClaims) {
/// let mine = Mine::from_access_claims(claims); // Err(Forbidden) if it doesn't fit
/// # }
/// ```
pub trait FromAccessClaims: Sized {
    /// Builds the value, or refuses the request (403, like a missing
    /// required claim) when the valid token's claims don't have the shape
    /// the API needs — not 401, which would send clients into re-login loops.
    fn from_access_claims(claims: &AccessClaims) -> Result<Self, BearerError>;
}

impl FromAccessClaims for AccessClaims {
    fn from_access_claims(claims: &AccessClaims) -> Result<Self, BearerError> {
        Ok(claims.clone())
    }
}

impl<T: serde::de::DeserializeOwned> FromAccessClaims for T {
    fn from_access_claims(claims: &AccessClaims) -> Result<Self, BearerError> {
        T::deserialize(&Value::Object(claims.claims.clone())).map_err(|_| BearerError::Forbidden)
    }
}

/// Validates bearer JWTs from one or more trusted issuers.
#[derive(Debug, Clone)]
pub struct BearerValidator {
    issuers: Vec<TrustedIssuer>,
    leeway: Duration,
}

impl Default for BearerValidator {
    fn default() -> Self {
        Self {
            issuers: Vec::new(),
            leeway: crate::idtoken::DEFAULT_LEEWAY,
        }
    }
}

impl BearerValidator {
    /// A validator with no issuers (add them with [`BearerValidator::issuer`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts an issuer.
    pub fn issuer(mut self, issuer: TrustedIssuer) -> Self {
        self.issuers.push(issuer);
        self
    }

    /// Sets the clock-skew leeway for `exp`/`nbf` (default 60 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The issuer named by the (still unverified) claims. `iss` only
    /// chooses among configured issuers, like `kid` among keys; the
    /// signature is checked next, with that issuer's keys.
    fn trusted(&self, claims: &Map<String, Value>) -> Result<&TrustedIssuer, BearerError> {
        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or(BearerError::InvalidToken("no issuer"))?;
        self.issuers
            .iter()
            .find(|i| i.issuer == iss)
            .ok_or(BearerError::InvalidToken("untrusted issuer"))
    }

    /// Whether the token is a JWT naming one of the trusted issuers
    /// (unverified: it only decides between local validation and introspection).
    pub fn trusts(&self, token: &str) -> bool {
        jose::unverified_claims(token).is_ok_and(|c| self.trusted(&c).is_ok())
    }

    /// Which keys the token needs: a key set to get from the driver's JWKS
    /// cache, or the issuer's configured keys.
    pub fn keys_for(&self, token: &str) -> Result<KeySource<'_>, BearerError> {
        let claims =
            jose::unverified_claims(token).map_err(|_| BearerError::InvalidToken("malformed"))?;
        let issuer = self.trusted(&claims)?;
        match &issuer.keys {
            IssuerKeys::Static(keys) => Ok(KeySource::Static(keys)),
            IssuerKeys::Remote(jwks_uri) => {
                let header = jose::Header::peek(token)
                    .map_err(|_| BearerError::InvalidToken("malformed"))?;
                Ok(KeySource::Fetch(KeyRequest {
                    jwks_uri: jwks_uri.clone(),
                    kid: header.kid,
                    refresh: false,
                }))
            }
        }
    }

    /// Validates the token with the issuer's keys at `now`.
    pub fn validate(
        &self,
        token: &str,
        keys: &JwkSet,
        now: SystemTime,
    ) -> Result<AccessClaims, BearerError> {
        // One decode and one parse of the payload: to choose the issuer, and
        // (once the signature over those very bytes is verified) as the claims.
        let claims =
            jose::unverified_claims(token).map_err(|_| BearerError::InvalidToken("malformed"))?;
        let issuer = self.trusted(&claims)?;
        let header =
            jose::verify_signature(token, keys, &issuer.algorithms).map_err(|e| match e {
                JoseError::UnknownKey => BearerError::UnknownKey,
                JoseError::AlgNone => BearerError::InvalidToken("alg none"),
                JoseError::BadSignature => BearerError::InvalidToken("bad signature"),
                _ => BearerError::InvalidToken("unverifiable"),
            })?;
        if issuer.require_at_jwt {
            let typ = header.typ.as_deref().map(str::to_ascii_lowercase);
            if !matches!(typ.as_deref(), Some("at+jwt" | "application/at+jwt")) {
                return Err(BearerError::InvalidToken("not an access token (typ)"));
            }
        }
        if claims.get("iss").and_then(Value::as_str) != Some(issuer.issuer.as_str()) {
            return Err(BearerError::InvalidToken("issuer"));
        }
        if !issuer.audiences.is_empty() {
            let ok = match claims.get("aud") {
                Some(Value::String(a)) => issuer.audiences.contains(a),
                Some(Value::Array(list)) => list
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|a| issuer.audiences.iter().any(|x| x == a)),
                _ => false,
            };
            if !ok {
                return Err(BearerError::InvalidToken("audience"));
            }
        }
        let n = crate::time::unix_seconds(now);
        let leeway = self.leeway.as_secs();
        let date = |k: &str| {
            crate::idtoken::numeric_date(&claims, k).map_err(|_| BearerError::InvalidToken("dates"))
        };
        let exp = date("exp")?.ok_or(BearerError::InvalidToken("no exp"))?;
        if n >= exp.saturating_add(leeway) {
            return Err(BearerError::InvalidToken("expired"));
        }
        if date("nbf")?.is_some_and(|nbf| nbf > n.saturating_add(leeway)) {
            return Err(BearerError::InvalidToken("not yet valid"));
        }
        if date("iat")?.is_some_and(|iat| iat > n.saturating_add(leeway)) {
            return Err(BearerError::InvalidToken("issued in the future"));
        }
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(BearerError::InvalidToken("no sub"))?;
        let scopes = match claims.get("scope").or_else(|| claims.get("scp")) {
            Some(Value::String(s)) => s
                .split(' ')
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Ok(AccessClaims {
            issuer: issuer.issuer.clone(),
            subject: subject.to_owned(),
            scopes,
            client_id: claims
                .get("client_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            expires_at: crate::time::from_unix(exp),
            claims,
        })
    }
}

/// A bounded cache of tokens already verified, so that a client repeating
/// its token does not pay for a signature check on every request.
///
/// It can never extend a token's life or outlive a key:
///
/// * an entry is used only while `now` is before the token's own `exp`
///   (plus the validator's leeway) — exactly the window in which a fresh
///   validation would also succeed;
/// * an entry is used only if the key set given *for this request* still
///   holds the very key material that verified it (same `kid`, same key
///   fingerprint); when the issuer drops or replaces a key, its tokens stop
///   hitting the cache at once;
/// * the cache key is the whole token string, so no other token can match.
///
/// `benches/bearer_validation.rs` measures the gain.
#[derive(Debug)]
pub struct VerifiedTokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, CachedToken>>,
    capacity: usize,
}

#[derive(Debug, Clone)]
struct CachedToken {
    claims: AccessClaims,
    kid: String,
    fingerprints: Vec<[u8; 32]>,
    valid_until: u64,
}

impl VerifiedTokenCache {
    /// A cache holding at most `capacity` tokens (it is cleared when full).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: std::sync::Mutex::new(std::collections::HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// Validates through the cache: a hit skips the signature check, within
    /// the rules above; a miss validates and remembers the result.
    pub fn validate(
        &self,
        validator: &BearerValidator,
        token: &str,
        keys: &JwkSet,
        now: SystemTime,
    ) -> Result<AccessClaims, BearerError> {
        let n = crate::time::unix_seconds(now);
        {
            let entries = self
                .entries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(hit) = entries.get(token) {
                // The very key material that verified it must still be in the set.
                let key_still_there = keys
                    .fingerprints(&hit.kid)
                    .any(|f| hit.fingerprints.contains(&f));
                if n < hit.valid_until && key_still_there {
                    return Ok(hit.claims.clone());
                }
            }
        }
        let claims = validator.validate(token, keys, now)?;
        // Only tokens with a `kid` are cached: their key is unambiguous.
        if let Some(kid) = jose::Header::peek(token).ok().and_then(|h| h.kid) {
            let fingerprints: Vec<[u8; 32]> = keys.fingerprints(&kid).collect();
            let exp = crate::time::unix_seconds(claims.expires_at);
            let valid_until = exp.saturating_add(validator.leeway.as_secs());
            let mut entries = self
                .entries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if entries.len() >= self.capacity {
                entries.retain(|_, e| n < e.valid_until);
                if entries.len() >= self.capacity {
                    entries.clear();
                }
            }
            entries.insert(
                token.to_owned(),
                CachedToken {
                    claims: claims.clone(),
                    kid,
                    fingerprints,
                    valid_until,
                },
            );
        }
        Ok(claims)
    }

    /// How many tokens are cached.
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// RFC 7662 introspection for opaque tokens (or any token an issuer
/// prefers to vouch for itself), with a short, bounded cache.
///
/// Sans-IO: [`Introspector::cached`] answers from the cache;
/// otherwise the driver sends [`Introspector::request`] and hands the
/// answer to [`Introspector::on_response`]. An active answer is cached for
/// at most `ttl` (default 30 s) and never past the token's `exp`; an
/// inactive one for at most `ttl` too. Tokens are cached by their SHA-256,
/// so the cache holds no usable secret.
#[derive(Debug)]
pub struct Introspector {
    endpoint: Url,
    client_id: String,
    client_secret: crate::Secret,
    ttl: Duration,
    capacity: usize,
    cache: std::sync::Mutex<std::collections::HashMap<String, (Option<AccessClaims>, u64)>>,
}

impl Introspector {
    /// Introspection at `endpoint`, authenticating as a confidential client.
    pub fn new(endpoint: Url, client_id: &str, client_secret: &str) -> Self {
        Self {
            endpoint,
            client_id: client_id.to_owned(),
            client_secret: crate::Secret::new(client_secret),
            ttl: Duration::from_secs(30),
            capacity: 10_000,
            cache: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Sets the cache lifetime (capped at 5 minutes) and size.
    pub fn cache(mut self, ttl: Duration, capacity: usize) -> Self {
        self.ttl = ttl.min(Duration::from_secs(300));
        self.capacity = capacity.max(1);
        self
    }

    fn key(token: &str) -> String {
        crate::b64::encode(ring::digest::digest(
            &ring::digest::SHA256,
            token.as_bytes(),
        ))
    }

    /// The cached answer for `token`, if any is still fresh.
    pub fn cached(
        &self,
        token: &str,
        now: SystemTime,
    ) -> Option<Result<AccessClaims, BearerError>> {
        let n = crate::time::unix_seconds(now);
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (claims, until) = cache.get(&Self::key(token))?;
        if n >= *until {
            return None;
        }
        Some(claims.clone().ok_or(BearerError::InvalidToken("inactive")))
    }

    /// The introspection request for `token` (`client_secret_basic`).
    pub fn request(&self, token: &str) -> http::Request<Vec<u8>> {
        let mut auth = http::HeaderValue::from_str(&crate::http_util::basic_auth(
            &self.client_id,
            self.client_secret.expose(),
        ))
        .unwrap_or_else(|_| http::HeaderValue::from_static(""));
        auth.set_sensitive(true);
        let body =
            crate::http_util::form_encode([("token", token), ("token_type_hint", "access_token")]);
        crate::http_util::request(
            http::Method::POST,
            &self.endpoint,
            &[(http::header::AUTHORIZATION, auth)],
            Some(("application/x-www-form-urlencoded", body)),
        )
    }

    /// Reads the introspection answer for `token` and caches it.
    pub fn on_response(
        &self,
        token: &str,
        response: &http::Response<Vec<u8>>,
        now: SystemTime,
    ) -> Result<AccessClaims, BearerError> {
        let n = crate::time::unix_seconds(now);
        if !response.status().is_success() {
            return Err(BearerError::InvalidToken("introspection failed"));
        }
        let body = crate::http_util::json_object(response.body())
            .ok_or(BearerError::InvalidToken("introspection malformed"))?;
        let active = body.get("active").and_then(Value::as_bool) == Some(true);
        let exp = crate::idtoken::numeric_date(&body, "exp").ok().flatten();
        let refresh = body.get("token_type").and_then(Value::as_str) == Some("refresh_token");
        let result = match (
            active && !refresh,
            exp,
            body.get("sub").and_then(Value::as_str),
        ) {
            (true, Some(exp), Some(sub)) if n < exp => Ok(AccessClaims {
                issuer: body
                    .get("iss")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                subject: sub.to_owned(),
                scopes: body
                    .get("scope")
                    .and_then(Value::as_str)
                    .map(|s| {
                        s.split(' ')
                            .filter(|x| !x.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                client_id: body
                    .get("client_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                expires_at: crate::time::from_unix(exp),
                claims: body.clone(),
            }),
            _ => Err(BearerError::InvalidToken("inactive")),
        };
        let ttl_end = n.saturating_add(self.ttl.as_secs());
        let until = match &result {
            Ok(c) => ttl_end.min(crate::time::unix_seconds(c.expires_at)),
            Err(_) => ttl_end,
        };
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= self.capacity {
            cache.retain(|_, (_, u)| n < *u);
            if cache.len() >= self.capacity {
                cache.clear();
            }
        }
        cache.insert(Self::key(token), (result.clone().ok(), until));
        result
    }
}

/// One requirement of a route.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Requirement {
    /// The token has this scope.
    Scope(String),
    /// The claim equals this value.
    ClaimEquals(String, Value),
    /// The claim is an array containing this value (or equals it).
    ClaimContains(String, Value),
    /// The claim is present and not null.
    ClaimPresent(String),
}

/// A route's requirements, all of which must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guard {
    requirements: Vec<Requirement>,
}

impl Guard {
    /// No requirements beyond a valid token.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires a scope.
    pub fn scope(mut self, scope: &str) -> Self {
        self.requirements.push(Requirement::Scope(scope.to_owned()));
        self
    }

    /// Requires `claim == value` (`Guard::new().claim_eq("role", "admin")`).
    pub fn claim_eq(mut self, claim: &str, value: impl Into<Value>) -> Self {
        self.requirements
            .push(Requirement::ClaimEquals(claim.to_owned(), value.into()));
        self
    }

    /// Requires `value` in the array claim (`Guard::new().claim_contains("groups", "staff")`).
    pub fn claim_contains(mut self, claim: &str, value: impl Into<Value>) -> Self {
        self.requirements
            .push(Requirement::ClaimContains(claim.to_owned(), value.into()));
        self
    }

    /// Requires the claim to be present.
    pub fn claim_present(mut self, claim: &str) -> Self {
        self.requirements
            .push(Requirement::ClaimPresent(claim.to_owned()));
        self
    }

    /// Checks the token's claims: 403 `insufficient_scope` (naming the scope)
    /// or 403 for a claim — never a 500, whatever the claim's type.
    pub fn check(&self, token: &AccessClaims) -> Result<(), BearerError> {
        for r in &self.requirements {
            let ok = match r {
                Requirement::Scope(s) => {
                    if !token.scopes.contains(s) {
                        return Err(BearerError::InsufficientScope(s.clone()));
                    }
                    true
                }
                Requirement::ClaimEquals(k, v) => token.claims.get(k) == Some(v),
                Requirement::ClaimContains(k, v) => match token.claims.get(k) {
                    Some(Value::Array(a)) => a.contains(v),
                    Some(other) => other == v,
                    None => false,
                },
                Requirement::ClaimPresent(k) => token.claims.get(k).is_some_and(|v| !v.is_null()),
            };
            if !ok {
                return Err(BearerError::Forbidden);
            }
        }
        Ok(())
    }
}
