//! The authorization server's protocol: `/authorize`, `/token`, discovery
//! and JWKS, as deterministic functions of their inputs (`now` and a
//! [`Random`] are arguments; storage is the [`Store`] trait).
//!
//! # Security properties
//!
//! * `redirect_uri` must match a registered one exactly; for loopback IP
//!   redirect URIs only the port may differ (RFC 8252 §7.3). Errors go back
//!   to the client only once client and redirect URI are known good;
//!   otherwise the answer is a 400 page — never an open redirect.
//! * PKCE S256 is mandatory; `plain` is refused; the verifier is checked
//!   against the standard unpadded challenge.
//! * Codes are single-use and live at most 60 s; a replayed code is refused
//!   and the tokens issued from it are revoked (RFC 6749 §4.1.2).
//! * Refresh tokens rotate; presenting an old one revokes the whole family
//!   (RFC 9700 §4.14).
//! * Repeated parameters are refused (RFC 6749 §3.1); `iss` is in every
//!   authorization response (RFC 9207); token responses carry
//!   `Cache-Control: no-store`.
//! * Access tokens are RFC 9068 JWTs (`typ: at+jwt`); the app's claims can
//!   never override a reserved claim.
//! * Codes and refresh tokens are stored by their SHA-256 hash only.

mod service;
mod store;

use std::sync::RwLock;
use std::time::{Duration, SystemTime};

use serde_json::{json, Map, Value};
use url::Url;

use crate::http_util::{self, parse_params};
use crate::jose::SigningKey;
use crate::random::Random;
use crate::Secret;

pub use service::{
    AuthServerService, LoginButton, LoginPage, StaticUsers, User, Users, SOCIAL_CONTINUE_PATH,
};
pub use store::{CodeGrant, CodeTake, MemoryStore, RefreshGrant, RefreshTake, Store, StoreError};

/// The paths [`AuthServerService::handle`] answers, for adapters to route.
pub const ROUTES: &[&str] = &[
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
    "/jwks.json",
    "/authorize",
    "/login",
    "/consent",
    "/token",
    "/revoke",
    "/introspect",
    "/userinfo",
];

/// Parameters (query strings, form bodies) longer than this are refused.
pub const MAX_PARAMS_LEN: usize = 8 * 1024;
/// The longest an authorization code may live.
pub const MAX_CODE_TTL: Duration = Duration::from_secs(60);

/// Claims the server sets; app claims with these names are dropped.
pub const RESERVED_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "client_id",
    "scope",
    "typ",
    "auth_time",
    "acr",
    "amr",
    "sid",
    "cnf",
    "nonce",
    "at_hash",
    "c_hash",
    "azp",
    "token_use",
];

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
    /// §7.3, for native apps; the default). Off for clients living in a web
    /// page at a fixed address, such as API documentation.
    pub loopback_any_port: bool,
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
            loopback_any_port: true,
        }
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

    /// Requires redirect URIs to match exactly, even on loopback: for a
    /// client that is a web page at a fixed address (Swagger UI), where
    /// RFC 8252's any-port rule for native apps would let any local
    /// process receive its codes.
    pub fn exact_redirect_uris(mut self) -> Self {
        self.loopback_any_port = false;
        self
    }

    fn allows_redirect(&self, requested: &str) -> bool {
        self.redirect_uris.iter().any(|r| {
            if self.loopback_any_port {
                redirect_matches(r, requested)
            } else {
                r == requested
            }
        })
    }
}

/// RFC 8252 §7.3: exact match, except that a loopback IP redirect URI may
/// use any port.
pub fn redirect_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(a), Ok(b)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    let loopback = |u: &Url| {
        u.scheme() == "http"
            && match u.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                _ => false,
            }
    };
    loopback(&a)
        && loopback(&b)
        && a.host() == b.host()
        && a.path() == b.path()
        && a.query() == b.query()
        && a.fragment().is_none()
        && b.fragment().is_none()
        && a.username().is_empty()
        && b.username().is_empty()
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
        }
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

/// Signing keys: all published in the JWKS, one active.
#[derive(Debug)]
struct KeyRing {
    keys: Vec<SigningKey>,
    active: String,
}

/// A validated authorization request, waiting for the user to sign in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorizationRequest {
    /// The client.
    pub client_id: String,
    /// The redirect URI, as requested (and matched).
    pub redirect_uri: String,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// The client's `state`, echoed.
    pub state: Option<String>,
    /// The OIDC nonce.
    pub nonce: Option<String>,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// Whether consent can be skipped.
    pub first_party: bool,
}

/// Why an authorization request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizeError {
    /// Client or redirect URI unknown or malformed: show this message on a
    /// 400 page; never redirect.
    Page(&'static str),
    /// Redirect the browser here (an OAuth error for a known client).
    Redirect(Url),
}

/// The outcome of a token-endpoint request, before it becomes a response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TokenError {
    pub(crate) status: u16,
    pub(crate) error: &'static str,
    pub(crate) description: &'static str,
    pub(crate) basic_challenge: bool,
}

fn err(error: &'static str, description: &'static str) -> TokenError {
    TokenError {
        status: 400,
        error,
        description,
        basic_challenge: false,
    }
}

/// The authorization server.
#[derive(Debug)]
pub struct AuthorizationServer {
    config: ServerConfig,
    keys: RwLock<KeyRing>,
}

pub(crate) fn sha256_b64(s: &str) -> String {
    crate::b64::encode(ring::digest::digest(&ring::digest::SHA256, s.as_bytes()))
}

fn secs(t: SystemTime) -> u64 {
    crate::time::unix_seconds(t)
}

impl AuthorizationServer {
    /// A server signing with `key` (ES256 by default; EdDSA and RS256 work too).
    pub fn new(config: ServerConfig, key: SigningKey) -> Self {
        let active = key.kid().to_owned();
        Self {
            config,
            keys: RwLock::new(KeyRing {
                keys: vec![key],
                active,
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    fn ring(&self) -> std::sync::RwLockReadGuard<'_, KeyRing> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Key rotation, step 1: publish a new key in the JWKS without signing with it.
    pub fn publish_key(&self, key: SigningKey) {
        let mut ring = self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        ring.keys.retain(|k| k.kid() != key.kid());
        ring.keys.push(key);
    }

    /// Key rotation, step 2: sign with a published key. Returns false if it is not published.
    pub fn activate_key(&self, kid: &str) -> bool {
        let mut ring = self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if ring.keys.iter().any(|k| k.kid() == kid) {
            ring.active = kid.to_owned();
            true
        } else {
            false
        }
    }

    /// Key rotation, step 3: unpublish an old key once its tokens have expired.
    /// The active key cannot be retired.
    pub fn retire_key(&self, kid: &str) -> bool {
        let mut ring = self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if ring.active == kid {
            return false;
        }
        let before = ring.keys.len();
        ring.keys.retain(|k| k.kid() != kid);
        ring.keys.len() != before
    }

    /// The published keys as a key set, for verifying this server's own
    /// tokens in process (no JSON round trip).
    pub fn key_set(&self) -> crate::jose::JwkSet {
        crate::jose::JwkSet::from_keys(
            self.ring()
                .keys
                .iter()
                .filter_map(SigningKey::verifying_key)
                .collect(),
        )
    }

    /// This server's authorization-code flow for OpenAPI documentation
    /// (see [`crate::openapi`]): its `/authorize` and `/token` endpoints
    /// and every scope it supports, each described by its name (override
    /// with [`AuthorizationCodeFlow::scope`](crate::openapi::AuthorizationCodeFlow::scope)).
    pub fn authorization_code_flow(&self) -> crate::openapi::AuthorizationCodeFlow {
        let i = &self.config.issuer;
        let flow = crate::openapi::AuthorizationCodeFlow::new(
            format!("{i}/authorize"),
            format!("{i}/token"),
        )
        .refresh_url(format!("{i}/token"));
        self.config
            .scopes
            .iter()
            .fold(flow, |flow, s| flow.scope(s, s))
    }

    /// The JWKS document (`/jwks.json`).
    pub fn jwks(&self) -> Value {
        json!({"keys": self.ring().keys.iter().filter_map(SigningKey::public_jwk).collect::<Vec<_>>()})
    }

    /// The metadata document, served at both `/.well-known/openid-configuration`
    /// and `/.well-known/oauth-authorization-server`.
    pub fn metadata(&self) -> Value {
        let i = &self.config.issuer;
        let algs: Vec<&str> = {
            let ring = self.ring();
            let mut v: Vec<&'static str> =
                ring.keys.iter().map(|k| k.algorithm().as_str()).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/authorize"),
            "token_endpoint": format!("{i}/token"),
            "jwks_uri": format!("{i}/jwks.json"),
            "userinfo_endpoint": format!("{i}/userinfo"),
            "revocation_endpoint": format!("{i}/revoke"),
            "introspection_endpoint": format!("{i}/introspect"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "id_token_signing_alg_values_supported": algs,
            "subject_types_supported": ["public"],
            "scopes_supported": self.config.scopes,
            "authorization_response_iss_parameter_supported": true,
        })
    }

    fn client(&self, id: &str) -> Option<&RegisteredClient> {
        self.config.clients.iter().find(|c| c.id == id)
    }

    /// Validates `GET /authorize?…` (the raw query string).
    pub fn authorize(&self, query: &str) -> Result<AuthorizationRequest, AuthorizeError> {
        let pairs = match parse_params(query.as_bytes(), MAX_PARAMS_LEN) {
            Ok(p) => p,
            Err(http_util::ParamsError::TooLarge) => {
                return Err(AuthorizeError::Page("request too large"))
            }
            Err(http_util::ParamsError::Duplicate(_)) => {
                return Err(AuthorizeError::Page("a parameter is repeated"))
            }
            Err(_) => return Err(AuthorizeError::Page("malformed parameters")),
        };
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let client = get("client_id")
            .and_then(|id| self.client(id))
            .ok_or(AuthorizeError::Page("unknown client"))?;
        let redirect_uri =
            get("redirect_uri").ok_or(AuthorizeError::Page("redirect_uri is required"))?;
        if !client.allows_redirect(redirect_uri) {
            return Err(AuthorizeError::Page(
                "redirect_uri is not registered for this client",
            ));
        }
        let redirect = Url::parse(redirect_uri)
            .map_err(|_| AuthorizeError::Page("redirect_uri is not a valid url"))?;
        let state = get("state").map(str::to_owned);
        let fail = |error: &str, description: &str| {
            AuthorizeError::Redirect(self.error_redirect(
                redirect.clone(),
                error,
                description,
                state.as_deref(),
            ))
        };
        if get("response_type") != Some("code") {
            return Err(fail(
                "unsupported_response_type",
                "only response_type=code is supported",
            ));
        }
        if get("request").is_some() || get("request_uri").is_some() {
            return Err(fail(
                "request_not_supported",
                "request objects are not supported",
            ));
        }
        let challenge = get("code_challenge")
            .ok_or_else(|| fail("invalid_request", "code_challenge (PKCE) is required"))?;
        if get("code_challenge_method") != Some("S256") {
            return Err(fail(
                "invalid_request",
                "code_challenge_method must be S256",
            ));
        }
        if challenge.len() != 43
            || !challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(fail(
                "invalid_request",
                "code_challenge is not an S256 challenge",
            ));
        }
        let scopes: Vec<String> = get("scope")
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let allowed = |s: &String| {
            self.config.scopes.contains(s)
                && (client.scopes.is_empty() || client.scopes.contains(s))
        };
        if !scopes.iter().all(allowed) {
            return Err(fail("invalid_scope", "a requested scope is not allowed"));
        }
        if get("nonce").is_some_and(|n| n.len() > 512) {
            return Err(fail("invalid_request", "nonce too long"));
        }
        Ok(AuthorizationRequest {
            client_id: client.id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            state,
            nonce: get("nonce").map(str::to_owned),
            code_challenge: challenge.to_owned(),
            first_party: client.first_party,
        })
    }

    fn error_redirect(
        &self,
        mut url: Url,
        error: &str,
        description: &str,
        state: Option<&str>,
    ) -> Url {
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("error", error);
            q.append_pair("error_description", description);
            if let Some(s) = state {
                q.append_pair("state", s);
            }
            q.append_pair("iss", &self.config.issuer);
        }
        url
    }

    /// The user declined: the `access_denied` redirect (`None` if the
    /// request's redirect URI does not parse, which `authorize` never lets through).
    pub fn deny(&self, request: &AuthorizationRequest) -> Option<Url> {
        let url = Url::parse(&request.redirect_uri).ok()?;
        Some(self.error_redirect(
            url,
            "access_denied",
            "the user declined",
            request.state.as_deref(),
        ))
    }

    /// The user signed in (and consented): issues a code, stores it, and
    /// returns the redirect back to the client.
    ///
    /// `claims` are the app's claims for this user (from its login
    /// callback); reserved claim names among them are ignored.
    pub async fn approve(
        &self,
        request: &AuthorizationRequest,
        subject: &str,
        claims: Map<String, Value>,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Url, StoreError> {
        let code = crate::random::random_b64(rng, 32).map_err(|_| StoreError)?;
        let family = crate::random::random_b64(rng, 16).map_err(|_| StoreError)?;
        let grant = CodeGrant {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            scopes: request.scopes.clone(),
            subject: subject.to_owned(),
            claims,
            nonce: request.nonce.clone(),
            expires_at: now + self.config.code_ttl.min(MAX_CODE_TTL),
            family,
        };
        store.save_code(&sha256_b64(&code), grant).await?;
        let mut url = Url::parse(&request.redirect_uri).map_err(|_| StoreError)?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("code", &code);
            if let Some(s) = &request.state {
                q.append_pair("state", s);
            }
            q.append_pair("iss", &self.config.issuer);
        }
        Ok(url)
    }

    /// `POST /token`: the whole token endpoint as a response.
    pub async fn token(
        &self,
        request: &http::Request<Vec<u8>>,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        match self.token_inner(request, store, now, rng).await {
            Ok(body) => token_json(200, &body, None),
            Err(e) => {
                let challenge = e.basic_challenge.then_some("Basic realm=\"token\"");
                token_json(
                    e.status,
                    &json!({"error": e.error, "error_description": e.description}),
                    challenge,
                )
            }
        }
    }

    async fn token_inner(
        &self,
        request: &http::Request<Vec<u8>>,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Value, TokenError> {
        if request.method() != http::Method::POST {
            return Err(err("invalid_request", "use POST"));
        }
        let form = parse_params(request.body(), MAX_PARAMS_LEN)
            .map_err(|_| err("invalid_request", "malformed or repeated parameters"))?;
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let client = self.authenticate(request, get("client_id"), get("client_secret"))?;
        match get("grant_type") {
            Some("authorization_code") => {
                let code = get("code").ok_or_else(|| err("invalid_request", "code is required"))?;
                let redirect_uri = get("redirect_uri")
                    .ok_or_else(|| err("invalid_request", "redirect_uri is required"))?;
                let verifier = get("code_verifier")
                    .ok_or_else(|| err("invalid_request", "code_verifier is required"))?;
                let grant = match store
                    .take_code(&sha256_b64(code), now)
                    .await
                    .map_err(|_| unavailable())?
                {
                    CodeTake::Fresh(g) => g,
                    CodeTake::Replayed(family) => {
                        store
                            .revoke_family(&family)
                            .await
                            .map_err(|_| unavailable())?;
                        return Err(err(
                            "invalid_grant",
                            "code already used; its tokens are revoked",
                        ));
                    }
                    CodeTake::Missing => {
                        return Err(err("invalid_grant", "unknown or expired code"))
                    }
                };
                if grant.client_id != client.id {
                    store
                        .revoke_family(&grant.family)
                        .await
                        .map_err(|_| unavailable())?;
                    return Err(err("invalid_grant", "code was issued to another client"));
                }
                if grant.redirect_uri != redirect_uri {
                    return Err(err("invalid_grant", "redirect_uri does not match"));
                }
                if !crate::pkce::verify_s256(verifier, &grant.code_challenge) {
                    return Err(err("invalid_grant", "code_verifier does not match"));
                }
                let refresh = RefreshGrant {
                    family: grant.family.clone(),
                    client_id: grant.client_id.clone(),
                    subject: grant.subject.clone(),
                    scopes: grant.scopes.clone(),
                    claims: grant.claims.clone(),
                    expires_at: now + self.config.refresh_token_ttl,
                };
                self.issue(refresh, grant.nonce.as_deref(), true, store, now, rng)
                    .await
            }
            Some("refresh_token") => {
                let token = get("refresh_token")
                    .ok_or_else(|| err("invalid_request", "refresh_token is required"))?;
                let mut grant = match store
                    .take_refresh(&sha256_b64(token), now)
                    .await
                    .map_err(|_| unavailable())?
                {
                    RefreshTake::Current(g) => g,
                    RefreshTake::Reused(family) => {
                        store
                            .revoke_family(&family)
                            .await
                            .map_err(|_| unavailable())?;
                        return Err(err(
                            "invalid_grant",
                            "refresh token reused; the family is revoked",
                        ));
                    }
                    RefreshTake::Missing => {
                        return Err(err(
                            "invalid_grant",
                            "unknown, expired or revoked refresh token",
                        ))
                    }
                };
                if grant.client_id != client.id {
                    return Err(err(
                        "invalid_grant",
                        "refresh token was issued to another client",
                    ));
                }
                if let Some(scope) = get("scope") {
                    let narrowed: Vec<String> = scope
                        .split(' ')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect();
                    if !narrowed.iter().all(|s| grant.scopes.contains(s)) {
                        return Err(err("invalid_scope", "scope exceeds the original grant"));
                    }
                    grant.scopes = narrowed;
                }
                grant.expires_at = now + self.config.refresh_token_ttl;
                self.issue(grant, None, true, store, now, rng).await
            }
            Some("client_credentials") => {
                if client.secret.is_none() {
                    return Err(err(
                        "unauthorized_client",
                        "public clients cannot use client_credentials",
                    ));
                }
                let scopes: Vec<String> = get("scope")
                    .unwrap_or("")
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                if !scopes
                    .iter()
                    .all(|s| client.scopes.is_empty() || client.scopes.contains(s))
                {
                    return Err(err("invalid_scope", "a requested scope is not allowed"));
                }
                let grant = RefreshGrant {
                    family: crate::random::random_b64(rng, 16).map_err(|_| unavailable())?,
                    client_id: client.id.clone(),
                    subject: client.id.clone(),
                    scopes,
                    claims: Map::new(),
                    expires_at: now,
                };
                self.issue(grant, None, false, store, now, rng).await
            }
            Some(_) => Err(err("unsupported_grant_type", "unsupported grant_type")),
            None => Err(err("invalid_request", "grant_type is required")),
        }
    }

    fn authenticate(
        &self,
        request: &http::Request<Vec<u8>>,
        body_id: Option<&str>,
        body_secret: Option<&str>,
    ) -> Result<&RegisteredClient, TokenError> {
        let invalid = |basic: bool| TokenError {
            status: 401,
            error: "invalid_client",
            description: "client authentication failed",
            basic_challenge: basic,
        };
        let basic = match request.headers().get(http::header::AUTHORIZATION) {
            Some(h) => Some(
                parse_basic(h.to_str().map_err(|_| invalid(true))?).ok_or_else(|| invalid(true))?,
            ),
            None => None,
        };
        let (id, secret, via_basic) = match (basic, body_secret) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "invalid_request",
                    "use one client authentication method",
                ))
            }
            (Some((id, secret)), None) => {
                if body_id.is_some_and(|b| b != id) {
                    return Err(invalid(true));
                }
                (id, Some(secret), true)
            }
            (None, secret) => (
                body_id.ok_or_else(|| invalid(false))?.to_owned(),
                secret.map(str::to_owned),
                false,
            ),
        };
        let client = self.client(&id).ok_or_else(|| invalid(via_basic))?;
        match (&client.secret, secret) {
            (Some(expected), Some(given)) if expected.ct_eq(&given) => Ok(client),
            (None, None) => Ok(client),
            _ => Err(invalid(via_basic)),
        }
    }

    async fn issue(
        &self,
        grant: RefreshGrant,
        nonce: Option<&str>,
        with_refresh: bool,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Value, TokenError> {
        let t = secs(now);
        let jti = crate::random::random_b64(rng, 16).map_err(|_| unavailable())?;
        let scope = grant.scopes.join(" ");
        let mut at = app_claims(&grant.claims);
        for (k, v) in [
            ("iss", json!(self.config.issuer)),
            ("sub", json!(grant.subject)),
            ("aud", json!(self.config.audience)),
            ("exp", json!(t + self.config.access_token_ttl.as_secs())),
            ("iat", json!(t)),
            ("jti", json!(jti)),
            ("client_id", json!(grant.client_id)),
            ("scope", json!(scope)),
            ("sid", json!(grant.family)),
        ] {
            at.insert(k.into(), v);
        }
        let (access_token, id_token) = {
            let ring = self.ring();
            let key = ring
                .keys
                .iter()
                .find(|k| k.kid() == ring.active)
                .ok_or_else(unavailable)?;
            let access_token = key
                .sign_claims(Some("at+jwt"), &at)
                .map_err(|_| unavailable())?;
            let id_token = if grant.scopes.iter().any(|s| s == "openid") {
                let mut id = app_claims(&grant.claims);
                for (k, v) in [
                    ("iss", json!(self.config.issuer)),
                    ("sub", json!(grant.subject)),
                    ("aud", json!(grant.client_id)),
                    ("exp", json!(t + self.config.id_token_ttl.as_secs())),
                    ("iat", json!(t)),
                    (
                        "at_hash",
                        json!(crate::idtoken::token_hash(key.algorithm(), &access_token)),
                    ),
                ] {
                    id.insert(k.into(), v);
                }
                if let Some(n) = nonce {
                    id.insert("nonce".into(), json!(n));
                }
                Some(
                    key.sign_claims(Some("JWT"), &id)
                        .map_err(|_| unavailable())?,
                )
            } else {
                None
            };
            (access_token, id_token)
        };
        let mut body = Map::new();
        body.insert("access_token".into(), json!(access_token));
        body.insert("token_type".into(), json!("Bearer"));
        body.insert(
            "expires_in".into(),
            json!(self.config.access_token_ttl.as_secs()),
        );
        body.insert("scope".into(), json!(scope));
        if with_refresh {
            let refresh = crate::random::random_b64(rng, 32).map_err(|_| unavailable())?;
            store
                .save_refresh(&sha256_b64(&refresh), grant)
                .await
                .map_err(|_| unavailable())?;
            body.insert("refresh_token".into(), json!(refresh));
        }
        if let Some(id) = id_token {
            body.insert("id_token".into(), json!(id));
        }
        Ok(Value::Object(body))
    }
}

fn unavailable() -> TokenError {
    TokenError {
        status: 503,
        error: "temporarily_unavailable",
        description: "try again later",
        basic_challenge: false,
    }
}

/// The app's claims without reserved names.
fn app_claims(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .filter(|(k, _)| !RESERVED_CLAIMS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Parses `Authorization: Basic` per RFC 6749 §2.3.1 (form-urlencoded parts).
fn parse_basic(header: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let b64 = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
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

fn token_json(status: u16, body: &Value, challenge: Option<&str>) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::CACHE_CONTROL, "no-store")
        .header(http::header::PRAGMA, "no-cache");
    if let Some(c) = challenge {
        b = b.header(http::header::WWW_AUTHENTICATE, c);
    }
    b.body(serde_json::to_vec(body).unwrap_or_default())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}
