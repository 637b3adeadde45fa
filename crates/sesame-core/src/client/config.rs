//! The application's registration at a provider: client id, secret
//! (fixed or minted), redirect URI, scopes and extra parameters.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use url::Url;

use super::AssertionKeys;
use crate::dpop::{DpopError, ProofKey};
use crate::idtoken::DEFAULT_LEEWAY;
use crate::jose::{Algorithm, JoseError, SigningKey};
use crate::Secret;

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
    /// No shared secret: each token request carries a JWT assertion signed
    /// with the set's current private key (`private_key_jwt`); the provider
    /// knows the public keys (registered JWK Set or `jwks_uri`, see
    /// [`AssertionKeys::public_jwks`]).
    PrivateKey(AssertionKeys),
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientSecret::Static(_) => f.write_str("ClientSecret::Static([redacted])"),
            ClientSecret::Minted(_) => f.write_str("ClientSecret::Minted"),
            ClientSecret::PrivateKey(k) => {
                write!(f, "ClientSecret::PrivateKey({})", k.current().kid())
            }
        }
    }
}

/// Authorization-request parameters the client sets itself; never
/// forwarded from a login request.
pub(super) const PROTOCOL_PARAMS: &[&str] = &[
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
    "dpop_jkt",
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
    /// When logins push their authorization request (RFC 9126; default:
    /// whenever the provider offers it).
    pub push_mode: super::PushMode,
    /// The FAPI 2.0 Security Profile is on ([`ClientConfig::fapi2`]).
    pub fapi2: bool,
    /// The client's DPoP proof key (RFC 9449), when its tokens are bound to
    /// a key: one key for the whole client, shared by every login and
    /// session. `Debug` shows its algorithm and thumbprint only.
    pub dpop: Option<Arc<ProofKey>>,
    /// Each login makes its own DPoP key for this algorithm, which the
    /// session it creates keeps ([`ClientConfig::dpop_per_login`]); it
    /// takes precedence over [`dpop`](Self::dpop).
    pub dpop_per_login: Option<Algorithm>,
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
            push_mode: super::PushMode::default(),
            fapi2: false,
            dpop: None,
            dpop_per_login: None,
        }
    }

    /// Binds this client's tokens to `key` with DPoP (RFC 9449).
    ///
    /// Every token request (code exchange, refresh, pushed authorization
    /// request) then carries a `DPoP` proof signed by the key, the
    /// authorization request names the key's thumbprint (`dpop_jkt`), the
    /// provider must answer with `token_type=DPoP` (a `Bearer` answer is
    /// [`ProviderError::DpopNotBound`](crate::ProviderError::DpopNotBound)),
    /// and the login's userinfo and profile calls send `Authorization:
    /// DPoP …` with a proof hashing the access token. A provider's
    /// `use_dpop_nonce` refusal is retried once with its nonce.
    ///
    /// The key belongs to the client: every login and every session of
    /// this client shares it, so keep it (see
    /// [`ProofKey::generate_pkcs8`]) if sessions outlive the process, as
    /// refreshing a session's tokens needs the same key. For one key per
    /// login and session, see [`dpop_per_login`](Self::dpop_per_login).
    ///
    /// To call your own APIs with the tokens, see
    /// [`crate::dpop::authorize_request`].
    pub fn dpop(mut self, key: ProofKey) -> Self {
        self.dpop = Some(Arc::new(key));
        self
    }

    /// [`dpop`](Self::dpop) with a fresh key for `alg` (ES256 or EdDSA),
    /// for as long as the process lives: sessions stored elsewhere cannot
    /// be refreshed after a restart.
    pub fn dpop_generated(self, alg: Algorithm) -> Result<Self, DpopError> {
        Ok(self.dpop(ProofKey::generate(alg)?))
    }

    /// Binds each login's tokens to a key of its own (RFC 9449), made for
    /// `alg` (ES256 — [`ProofKey::DEFAULT_ALGORITHM`] — or EdDSA) when the
    /// login starts: a stolen key then opens one session, not all of them.
    ///
    /// Everything [`dpop`](Self::dpop) does happens with the login's key.
    /// The key travels sealed in the pending-login cookie, comes back as
    /// [`Tokens::dpop_key`](crate::tokens::Tokens::dpop_key) and is kept,
    /// sealed, with the session's tokens
    /// ([`SessionTokens::dpop_key`](crate::session::SessionTokens::dpop_key)),
    /// so refreshes and userinfo calls on any instance prove possession
    /// with it; no key outlives its session. Takes precedence over
    /// [`dpop`](Self::dpop). [`Client::new`](super::Client::new) refuses
    /// other algorithms.
    pub fn dpop_per_login(mut self, alg: Algorithm) -> Self {
        self.dpop_per_login = Some(alg);
        self
    }

    /// Whether this client's tokens are bound with DPoP (one key for the
    /// client, or one per login).
    pub fn uses_dpop(&self) -> bool {
        self.dpop.is_some() || self.dpop_per_login.is_some()
    }

    /// The client's one DPoP proof key, if it has one ([`dpop`](Self::dpop);
    /// with [`dpop_per_login`](Self::dpop_per_login) each login has its own,
    /// [`Tokens::dpop_key`](crate::tokens::Tokens::dpop_key)).
    pub fn dpop_key(&self) -> Option<&ProofKey> {
        self.dpop.as_deref()
    }

    /// The FAPI 2.0 Security Profile (§5.3.3) for this client: every
    /// login pushes its request (a provider without a PAR endpoint is an
    /// error), `iss` must come back in every authorization response (RFC
    /// 9207), and [`Client::new`](super::Client::new) refuses the
    /// configuration unless it authenticates with `private_key_jwt`
    /// ([`private_key_jwt`](Self::private_key_jwt)) and binds its tokens
    /// with DPoP ([`dpop`](Self::dpop) or [`dpop_per_login`](Self::dpop_per_login)). PKCE with S256 and exact redirect URIs are
    /// always on.
    pub fn fapi2(mut self) -> Self {
        self.fapi2 = true;
        self.push_mode = super::PushMode::Always;
        self
    }

    /// Sets when logins push their authorization request (RFC 9126).
    pub fn push_mode(mut self, mode: super::PushMode) -> Self {
        self.push_mode = mode;
        self
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

    /// Authenticates with `private_key_jwt` (RFC 7523 §2.2): every token
    /// request carries an assertion signed with `key` — `iss` and `sub` the
    /// client id, `aud` the provider's issuer identifier (RFC 7523bis), a
    /// unique `jti`, a 60-second `exp`. Register the key's public JWK at
    /// the provider; to rotate it, see
    /// [`private_key_jwt_keys`](Self::private_key_jwt_keys).
    pub fn private_key_jwt(self, key: SigningKey) -> Self {
        self.private_key_jwt_keys(AssertionKeys::new(key))
    }

    /// [`private_key_jwt`](Self::private_key_jwt) with a key set: the
    /// current key signs (its `kid` in the header), and
    /// [`public_jwks`](Self::public_jwks) publishes every key, so that the
    /// next key can be announced at the client's `jwks_uri` before it
    /// signs (see [`AssertionKeys`] for the steps of a rotation).
    /// [`Client::new`](super::Client::new) refuses a set with a
    /// shared-secret key or two keys of one `kid`.
    pub fn private_key_jwt_keys(mut self, keys: AssertionKeys) -> Self {
        self.client_secret = Some(ClientSecret::PrivateKey(keys));
        self
    }

    /// The `private_key_jwt` keys, if the client authenticates so.
    pub fn assertion_keys(&self) -> Option<&AssertionKeys> {
        match &self.client_secret {
            Some(ClientSecret::PrivateKey(keys)) => Some(keys),
            _ => None,
        }
    }

    /// The public JWK Set of the `private_key_jwt` keys (the current one
    /// first, public parts only), for the app to serve at its `jwks_uri`;
    /// `None` when the client does not authenticate with `private_key_jwt`.
    pub fn public_jwks(&self) -> Option<serde_json::Value> {
        self.assertion_keys().map(AssertionKeys::public_jwks)
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
