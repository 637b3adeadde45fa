//! The provider API: what the catalog and third-party crates implement.
//!
//! A provider is *data* — endpoints, scopes, PKCE, client authentication,
//! extra parameters and headers, the API calls that fetch the profile —
//! plus one small function that maps what the provider returned to an
//! [`Identity`]. No trait to implement, no generics: build a [`Provider`]
//! with its constructors and setters.
//!
//! ```
//! use sesame_core::provider::{ApiCall, ClientAuth, Provider, Profile};
//! use sesame_core::identity::{claim_string, Identity};
//!
//! let example = Provider::oauth2(
//!     "example",
//!     "Example",
//!     "https://example.com/oauth/authorize",
//!     "https://example.com/oauth/token",
//! )
//! .unwrap()
//! .scopes(["read:user"])
//! .client_auth(ClientAuth::Basic)
//! .call(ApiCall::get("user", "https://api.example.com/me").unwrap())
//! .map_identity(|p: &Profile<'_>| {
//!     let user = p.object("user").ok_or("no user")?;
//!     let mut id = Identity::new(p.provider, claim_string(user, "id").ok_or("no id")?);
//!     id.name = claim_string(user, "name");
//!     Ok(id)
//! });
//! assert!(example.pkce);
//! ```

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};
use url::Url;

use crate::discovery::{is_secure_url, ProviderMetadata};
use crate::error::ConfigError;
use crate::identity::Identity;
use crate::idtoken::{IdTokenClaims, IssuerRule};
use crate::jose::Algorithm;

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientAuth {
    /// HTTP Basic with the client id and secret (`client_secret_basic`).
    Basic,
    /// Client id and secret in the form body (`client_secret_post`).
    Post,
    /// No secret: a public client relying on PKCE (`none`).
    None,
    /// A JWT assertion signed with the client's own private key
    /// (`private_key_jwt`, RFC 7523 §2.2, OpenID Connect Core §9).
    PrivateKeyJwt,
}

impl ClientAuth {
    /// The RFC 8414 name of the method.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuth::Basic => "client_secret_basic",
            ClientAuth::Post => "client_secret_post",
            ClientAuth::None => "none",
            ClientAuth::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

/// How the authorization response comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseMode {
    /// A GET with the parameters in the query (the default).
    Query,
    /// A cross-site POST of a form (`response_mode=form_post`, e.g. Apple).
    /// The login cookie must then be `SameSite=None`.
    FormPost,
}

/// How the token request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded` (the standard).
    Form,
    /// `application/json` (Notion, for example).
    Json,
}

/// Where the access token goes in an API call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenPlacement {
    /// `Authorization: Bearer <token>` (the standard).
    Bearer,
    /// `Authorization: <scheme> <token>` with another scheme (e.g. Naver's, Kakao's are Bearer; some use `OAuth`).
    Scheme(String),
    /// A query parameter with this name.
    Query(String),
    /// A form body (POST) with the token under this name, and the client id
    /// too when a second name is given (VK ID's `user_info`).
    Form(String, Option<String>),
}

/// The URL of an API call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiUrl {
    /// The userinfo endpoint from the provider's metadata. Its `sub` is
    /// checked against the ID token's.
    Userinfo,
    /// A fixed URL.
    Fixed(Url),
}

/// One call made with the access token to fetch the user's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiCall {
    /// The name the mapping finds the response under (`"user"`, `"emails"`).
    pub name: String,
    /// The HTTP method (GET for almost everyone; POST for Dropbox).
    pub method: http::Method,
    /// The URL.
    pub url: ApiUrl,
    /// Extra request headers.
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// Where the access token goes.
    pub token: TokenPlacement,
    /// When false, a failing call is skipped instead of failing the login
    /// (e.g. an email list the user did not grant).
    pub required: bool,
    /// A query parameter carrying the hex HMAC-SHA256 of the access token
    /// keyed with the client secret (Facebook's `appsecret_proof`).
    pub secret_proof: Option<String>,
}

impl ApiCall {
    /// A required GET of a fixed URL with a bearer token.
    pub fn get(name: impl Into<String>, url: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            name: name.into(),
            method: http::Method::GET,
            url: ApiUrl::Fixed(secure_url(url, "api call")?),
            headers: Vec::new(),
            token: TokenPlacement::Bearer,
            required: true,
            secret_proof: None,
        })
    }

    /// A required GET of the userinfo endpoint from the metadata.
    pub fn userinfo() -> Self {
        Self {
            name: "userinfo".into(),
            method: http::Method::GET,
            url: ApiUrl::Userinfo,
            headers: Vec::new(),
            token: TokenPlacement::Bearer,
            required: true,
            secret_proof: None,
        }
    }

    /// Uses another HTTP method.
    pub fn method(mut self, method: http::Method) -> Self {
        self.method = method;
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: &str) -> Result<Self, ConfigError> {
        self.headers.push(header_pair(name, value)?);
        Ok(self)
    }

    /// Puts the token somewhere else than a bearer header.
    pub fn token(mut self, placement: TokenPlacement) -> Self {
        self.token = placement;
        self
    }

    /// Adds the query parameter `name` = hex(HMAC-SHA256(client secret,
    /// access token)) — Facebook's `appsecret_proof`, which Graph requires
    /// when the app enables "Require App Secret" and checks whenever it is
    /// sent. Without a fixed client secret nothing is added.
    pub fn secret_proof(mut self, name: &str) -> Self {
        self.secret_proof = Some(name.to_owned());
        self
    }

    /// Makes the call optional: on failure it is skipped.
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }
}

pub(crate) fn header_pair(
    name: &'static str,
    value: &str,
) -> Result<(http::HeaderName, http::HeaderValue), ConfigError> {
    Ok((
        http::HeaderName::from_static(name),
        http::HeaderValue::from_str(value).map_err(|_| ConfigError::InvalidHeader)?,
    ))
}

pub(crate) fn secure_url(s: &str, what: &'static str) -> Result<Url, ConfigError> {
    let url = Url::parse(s).map_err(|_| ConfigError::InvalidUrl(what))?;
    if is_secure_url(&url) {
        Ok(url)
    } else {
        Err(ConfigError::InvalidUrl(what))
    }
}

/// Everything a provider returned, for its identity mapping.
#[derive(Debug)]
#[non_exhaustive]
pub struct Profile<'a> {
    /// The provider id.
    pub provider: &'a str,
    /// The validated ID token's claims, if any.
    pub id_token: Option<&'a IdTokenClaims>,
    /// The token response's non-token fields (some providers put the user id there).
    pub token_extra: &'a Map<String, Value>,
    /// The responses of the API calls, by name, in call order.
    pub responses: &'a [(String, Value)],
    /// Extra fields of the callback (Apple's first-login `user`, for example).
    pub callback: &'a [(String, String)],
}

impl Profile<'_> {
    /// The response of the call named `name`.
    pub fn response(&self, name: &str) -> Option<&Value> {
        self.responses
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The response of the call named `name`, if it is a JSON object.
    pub fn object(&self, name: &str) -> Option<&Map<String, Value>> {
        self.response(name).and_then(Value::as_object)
    }

    /// A field of the callback.
    pub fn callback_field(&self, name: &str) -> Option<&str> {
        self.callback
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The ID token claims merged with the userinfo response (userinfo wins),
    /// the usual source for OpenID Connect providers.
    pub fn merged_claims(&self) -> Map<String, Value> {
        let mut claims = self.id_token.map(|c| c.claims.clone()).unwrap_or_default();
        if let Some(ui) = self.object("userinfo") {
            for (k, v) in ui {
                claims.insert(k.clone(), v.clone());
            }
        }
        claims.into()
    }
}

/// The function that turns a [`Profile`] into an [`Identity`].
pub type MapIdentity = Arc<dyn Fn(&Profile<'_>) -> Result<Identity, String> + Send + Sync>;

/// Where a provider's endpoints come from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Endpoints {
    /// OpenID Connect discovery from this issuer (fetched and cached by the driver).
    Discovery {
        /// The issuer URL: where the metadata is fetched from, and what its
        /// `issuer` must equal exactly…
        issuer: String,
        /// …unless the metadata declares another issuer by design (Microsoft's
        /// multi-tenant `https://login.microsoftonline.com/{tenantid}/v2.0`).
        metadata_issuer: Option<String>,
    },
    /// Fixed endpoints (shared: a login borrows them without a copy).
    Static(Arc<ProviderMetadata>),
}

/// An identity provider: data plus an identity mapping.
#[derive(Clone)]
#[non_exhaustive]
pub struct Provider {
    /// The id used in URLs (`/auth/{id}/login`), lowercase.
    pub id: String,
    /// The human name ("GitHub").
    pub name: String,
    /// Where the endpoints come from.
    pub endpoints: Endpoints,
    /// Overrides the issuer rule for ID tokens (Microsoft's `{tenantid}` template).
    pub issuer_rule: Option<IssuerRule>,
    /// Default scopes (the application may override them).
    pub scopes: Vec<String>,
    /// The separator used to join scopes (a space, per RFC 6749; a comma for a few providers).
    pub scope_separator: String,
    /// Whether to send a PKCE S256 challenge (on by default: send it whenever the provider accepts it).
    pub pkce: bool,
    /// Whether this is an OpenID Connect provider: sends a nonce and requires an ID token.
    pub openid: bool,
    /// How the client authenticates at the token endpoint.
    pub client_auth: ClientAuth,
    /// The name of the client id parameter (`client_id`; TikTok says `client_key`).
    pub client_id_param: String,
    /// Extra authorization request parameters.
    pub authorization_params: Vec<(String, String)>,
    /// Extra token request parameters.
    pub token_params: Vec<(String, String)>,
    /// Extra token request headers.
    pub token_headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// How the token request body is encoded.
    pub token_body: BodyFormat,
    /// How the authorization response comes back.
    pub response_mode: ResponseMode,
    /// ID token algorithms accepted.
    pub id_token_algorithms: Vec<Algorithm>,
    /// ID tokens signed HS256 are verified with the client secret (LINE's
    /// web login). Asymmetric ones still use the JWKS; an HMAC key never
    /// comes from a JWKS.
    pub id_token_hs256_with_client_secret: bool,
    /// Callback parameters forwarded to the token request.
    pub forward_callback_params: Vec<String>,
    /// The token request repeats the (already checked) `state`.
    pub state_in_token_request: bool,
    /// Calls made with the access token to build the profile.
    pub calls: Vec<ApiCall>,
    /// Maps the profile to an identity.
    pub map_identity: MapIdentity,
    /// The provider's documented logout page, for providers without an
    /// OpenID `end_session_endpoint` (RP-initiated logout then sends the
    /// browser here after the local logout).
    pub logout_url: Option<url::Url>,
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("endpoints", &self.endpoints)
            .field("scopes", &self.scopes)
            .field("pkce", &self.pkce)
            .field("openid", &self.openid)
            .field("client_auth", &self.client_auth)
            .finish_non_exhaustive()
    }
}

fn standard_mapping(p: &Profile<'_>) -> Result<Identity, String> {
    Identity::from_owned_claims(p.provider, p.merged_claims())
        .ok_or_else(|| "no sub claim".to_owned())
}

impl Provider {
    fn base(id: &str, name: &str, endpoints: Endpoints) -> Self {
        Self {
            id: id.to_ascii_lowercase(),
            name: name.to_owned(),
            endpoints,
            issuer_rule: None,
            scopes: Vec::new(),
            scope_separator: " ".into(),
            pkce: true,
            openid: false,
            client_auth: ClientAuth::Basic,
            client_id_param: "client_id".into(),
            authorization_params: Vec::new(),
            token_params: Vec::new(),
            token_headers: Vec::new(),
            token_body: BodyFormat::Form,
            response_mode: ResponseMode::Query,
            id_token_algorithms: Algorithm::ASYMMETRIC.to_vec(),
            id_token_hs256_with_client_secret: false,
            forward_callback_params: Vec::new(),
            state_in_token_request: false,
            calls: Vec::new(),
            map_identity: Arc::new(standard_mapping),
            logout_url: None,
        }
    }

    /// Sets the provider's documented logout page (see [`Provider::logout_url`]),
    /// with whatever fixed parameters it needs: the browser is sent there as
    /// is after the local logout (no `state` comes back from such pages).
    pub fn logout_page(mut self, url: &str) -> Result<Self, ConfigError> {
        self.logout_url = Some(secure_url(url, "logout url")?);
        Ok(self)
    }

    /// Any OpenID Provider from its issuer URL: discovery, PKCE, nonce, ID
    /// token validation, userinfo, scopes `openid email profile`.
    pub fn openid(id: &str, name: &str, issuer: &str) -> Result<Self, ConfigError> {
        secure_url(issuer, "issuer")?;
        let mut p = Self::base(
            id,
            name,
            Endpoints::Discovery {
                issuer: issuer.to_owned(),
                metadata_issuer: None,
            },
        );
        p.openid = true;
        p.scopes = vec!["openid".into(), "email".into(), "profile".into()];
        p.calls = vec![ApiCall::userinfo().optional()];
        Ok(p)
    }

    /// A plain OAuth 2.0 provider with fixed endpoints. Add [`ApiCall`]s and
    /// a mapping with [`Provider::call`] and [`Provider::map_identity`].
    pub fn oauth2(
        id: &str,
        name: &str,
        authorization_url: &str,
        token_url: &str,
    ) -> Result<Self, ConfigError> {
        let meta = ProviderMetadata::new(
            secure_url(authorization_url, "authorization endpoint")?,
            secure_url(token_url, "token endpoint")?,
        );
        Ok(Self::base(id, name, Endpoints::Static(Arc::new(meta))))
    }

    /// An OpenID Connect provider with fixed endpoints (no discovery
    /// document): issuer and JWKS are given so that ID tokens are validated.
    pub fn openid_static(
        id: &str,
        name: &str,
        issuer: &str,
        authorization_url: &str,
        token_url: &str,
        jwks_url: &str,
    ) -> Result<Self, ConfigError> {
        let mut p = Self::oauth2(id, name, authorization_url, token_url)?;
        if let Endpoints::Static(meta) = &mut p.endpoints {
            let meta = Arc::make_mut(meta);
            meta.issuer = Some(issuer.to_owned());
            meta.jwks_uri = Some(secure_url(jwks_url, "jwks")?);
        }
        p.openid = true;
        p.scopes = vec!["openid".into(), "email".into(), "profile".into()];
        Ok(p)
    }

    /// Sets the default scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the scope separator.
    pub fn scope_separator(mut self, sep: &str) -> Self {
        self.scope_separator = sep.to_owned();
        self
    }

    /// Turns PKCE on or off (on by default).
    pub fn pkce(mut self, on: bool) -> Self {
        self.pkce = on;
        self
    }

    /// Sets the client authentication method.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Renames the client id parameter.
    pub fn client_id_param(mut self, name: &str) -> Self {
        self.client_id_param = name.to_owned();
        self
    }

    /// Adds an authorization request parameter.
    pub fn authorization_param(mut self, name: &str, value: &str) -> Self {
        self.authorization_params
            .push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a token request parameter.
    pub fn token_param(mut self, name: &str, value: &str) -> Self {
        self.token_params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a token request header.
    pub fn token_header(mut self, name: &'static str, value: &str) -> Result<Self, ConfigError> {
        self.token_headers.push(header_pair(name, value)?);
        Ok(self)
    }

    /// Sets the token request body format.
    pub fn token_body(mut self, format: BodyFormat) -> Self {
        self.token_body = format;
        self
    }

    /// Sets the response mode (and adds `response_mode=form_post` when needed).
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.response_mode = mode;
        self
    }

    /// Sets the issuer rule for ID tokens.
    pub fn issuer_rule(mut self, rule: IssuerRule) -> Self {
        self.issuer_rule = Some(rule);
        self
    }

    /// Sets the userinfo endpoint of a static provider.
    pub fn userinfo_url(mut self, url: &str) -> Result<Self, ConfigError> {
        let u = secure_url(url, "userinfo endpoint")?;
        if let Endpoints::Static(meta) = &mut self.endpoints {
            Arc::make_mut(meta).userinfo_endpoint = Some(u);
        }
        Ok(self)
    }

    /// Sets the revocation endpoint of a static provider.
    pub fn revocation_url(mut self, url: &str) -> Result<Self, ConfigError> {
        let u = secure_url(url, "revocation endpoint")?;
        if let Endpoints::Static(meta) = &mut self.endpoints {
            Arc::make_mut(meta).revocation_endpoint = Some(u);
        }
        Ok(self)
    }

    /// Appends an API call.
    pub fn call(mut self, call: ApiCall) -> Self {
        self.calls.push(call);
        self
    }

    /// Replaces all API calls.
    pub fn calls(mut self, calls: Vec<ApiCall>) -> Self {
        self.calls = calls;
        self
    }

    /// Sets the identity mapping.
    pub fn map_identity<F>(mut self, f: F) -> Self
    where
        F: Fn(&Profile<'_>) -> Result<Identity, String> + Send + Sync + 'static,
    {
        self.map_identity = Arc::new(f);
        self
    }

    /// The issuer to discover, for discovery-based providers.
    pub fn discovery_issuer(&self) -> Option<&str> {
        match &self.endpoints {
            Endpoints::Discovery { issuer, .. } => Some(issuer),
            Endpoints::Static(_) => None,
        }
    }

    /// The key of this provider's metadata in a
    /// [`MetadataCache`](crate::cache::MetadataCache), for discovery-based providers.
    pub fn metadata_key(&self) -> Option<String> {
        match &self.endpoints {
            Endpoints::Discovery {
                issuer,
                metadata_issuer,
            } => Some(crate::discovery::cache_key(
                issuer,
                metadata_issuer.as_deref(),
            )),
            Endpoints::Static(_) => None,
        }
    }

    /// Declares that the discovered metadata names another issuer than the
    /// discovery URL's (a templated multi-tenant issuer).
    pub fn metadata_issuer(mut self, declared: &str) -> Self {
        if let Endpoints::Discovery {
            metadata_issuer, ..
        } = &mut self.endpoints
        {
            *metadata_issuer = Some(declared.to_owned());
        }
        self
    }

    /// Accepts HS256 ID tokens verified with the client secret (LINE).
    pub fn hs256_id_tokens_with_client_secret(mut self) -> Self {
        self.id_token_hs256_with_client_secret = true;
        if !self.id_token_algorithms.contains(&Algorithm::HS256) {
            self.id_token_algorithms.push(Algorithm::HS256);
        }
        self
    }

    /// Forwards these callback parameters to the token request (VK ID's `device_id`).
    pub fn forward_callback_param(mut self, name: &str) -> Self {
        self.forward_callback_params.push(name.to_owned());
        self
    }

    /// Repeats `state` in the token request, for providers whose code
    /// exchange requires it (Naver, VK ID). It is sent only after the
    /// callback's `state` matched the login's.
    pub fn state_in_token_request(mut self) -> Self {
        self.state_in_token_request = true;
        self
    }

    /// Every origin (`scheme://host[:port]`) the provider's URLs point at.
    pub fn origins(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |u: &str| {
            if let Ok(url) = Url::parse(u) {
                let o = url.origin().ascii_serialization();
                if !out.contains(&o) {
                    out.push(o);
                }
            }
        };
        match &self.endpoints {
            Endpoints::Discovery { issuer, .. } => add(issuer),
            Endpoints::Static(m) => {
                for u in m.urls() {
                    add(u.as_str());
                }
            }
        }
        for c in &self.calls {
            if let ApiUrl::Fixed(u) = &c.url {
                add(u.as_str());
            }
        }
        out
    }

    /// Rewrites every URL that starts with `from` (an origin such as
    /// `https://github.com`) to start with `to` instead. For tests against
    /// a local fake of the provider, and for egress proxies.
    pub fn rebase(mut self, from: &str, to: &str) -> Self {
        let swap = |s: &str| match s.strip_prefix(from) {
            Some(rest) => format!("{to}{rest}"),
            None => s.to_owned(),
        };
        let swap_url = |u: &mut Url| {
            if let Ok(n) = Url::parse(&swap(u.as_str())) {
                *u = n;
            }
        };
        match &mut self.endpoints {
            Endpoints::Discovery {
                issuer,
                metadata_issuer,
            } => {
                *issuer = swap(issuer);
                if let Some(m) = metadata_issuer {
                    *m = swap(m);
                }
            }
            Endpoints::Static(m) => {
                let m = Arc::make_mut(m);
                m.issuer = m.issuer.as_deref().map(swap);
                m.urls_mut().into_iter().for_each(swap_url);
            }
        }
        for c in &mut self.calls {
            if let ApiUrl::Fixed(u) = &mut c.url {
                swap_url(u);
            }
        }
        if let Some(rule) = &mut self.issuer_rule {
            match rule {
                IssuerRule::Exact(s) => *s = swap(s),
                IssuerRule::Template { template, .. } => *template = swap(template),
            }
        }
        self
    }

    /// The fixed metadata, for static providers.
    pub fn static_metadata(&self) -> Option<&Arc<ProviderMetadata>> {
        match &self.endpoints {
            Endpoints::Static(m) => Some(m),
            Endpoints::Discovery { .. } => None,
        }
    }
}
