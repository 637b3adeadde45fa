//! The relying-party fixture: one OpenID provider (`example`, issuer
//! [`crate::server::ISSUER`]'s sibling `https://op.example.com`) in a
//! [`LoginService`], and one pending login started at fixture time whose
//! `state` and cookie the callback seeds use.

use std::sync::{Arc, OnceLock};

use sesame_core::client::{Client, ClientConfig};
use sesame_core::discovery::ProviderMetadata;
use sesame_core::login::LoginService;
use sesame_core::provider::Provider;

/// The provider's issuer.
pub const OP_ISSUER: &str = "https://op.example.com";
/// The provider's id in the login service.
pub const PROVIDER_ID: &str = "example";
/// The client id.
pub const CLIENT_ID: &str = "my-app";

/// The provider's discovery document (valid; RFC 9207 `iss` required).
pub const DISCOVERY: &str = r#"{
  "issuer": "https://op.example.com",
  "authorization_endpoint": "https://op.example.com/authorize",
  "token_endpoint": "https://op.example.com/token",
  "userinfo_endpoint": "https://op.example.com/userinfo",
  "jwks_uri": "https://op.example.com/jwks.json",
  "end_session_endpoint": "https://op.example.com/logout",
  "authorization_response_iss_parameter_supported": true,
  "code_challenge_methods_supported": ["S256"],
  "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
  "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
  "scopes_supported": ["openid", "email", "profile"]
}"#;

/// The login service, its metadata, and the pending login's state and cookie.
pub struct Rp {
    /// The service (`example` registered).
    pub service: LoginService,
    /// The provider's metadata.
    pub metadata: Arc<ProviderMetadata>,
    /// The pending login's `state`.
    pub state: String,
    /// Its `Cookie` header pair (`sesame-login-<state>=<sealed>`).
    pub cookie: String,
}

impl Rp {
    /// The shared fixture.
    pub fn get() -> &'static Rp {
        static RP: OnceLock<Rp> = OnceLock::new();
        RP.get_or_init(|| {
            let provider = Provider::openid(PROVIDER_ID, "Example", OP_ISSUER).expect("provider");
            let config = ClientConfig::new(
                CLIENT_ID,
                "https://app.example.com/auth/example/callback"
                    .parse()
                    .expect("url"),
            )
            .secret("my-secret");
            let client = Client::new(provider, config).expect("client");
            let service = LoginService::new(crate::sealer()).provider(client);
            let metadata = Arc::new(
                ProviderMetadata::from_json(OP_ISSUER, DISCOVERY.as_bytes()).expect("metadata"),
            );
            let start = service
                .start(
                    PROVIDER_ID,
                    &metadata,
                    Some("/home"),
                    crate::now(),
                    &crate::rng(),
                )
                .expect("login start");
            let cookie = start
                .set_cookie
                .split(';')
                .next()
                .expect("cookie pair")
                .to_owned();
            let state = cookie
                .split_once('=')
                .and_then(|(n, _)| n.strip_prefix(sesame_core::login::COOKIE_PREFIX))
                .expect("state in cookie name")
                .to_owned();
            Rp {
                service,
                metadata,
                state,
                cookie,
            }
        })
    }
}
