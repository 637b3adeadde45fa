//! The documents anyone may read: the discovery metadata (OpenID Connect
//! Discovery §3, RFC 8414 §2) and the JWKS.

use serde_json::{json, Value};
use sesame_core::jose::SigningKey;

use crate::AuthorizationServer;

/// The claims the server's ID tokens and userinfo can carry: its own, and
/// those a social login maps (the app's own claims come on top).
pub const CLAIMS_SUPPORTED: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nonce",
    "at_hash",
    "idp",
    "email",
    "email_verified",
    "name",
    "picture",
    "preferred_username",
];

impl AuthorizationServer {
    /// The JWKS document (`/jwks.json`).
    pub fn jwks(&self) -> Value {
        json!({"keys": self.keys.read().keys().iter().filter_map(SigningKey::public_jwk).collect::<Vec<_>>()})
    }

    /// The metadata document, served at both `/.well-known/openid-configuration`
    /// and `/.well-known/oauth-authorization-server`.
    pub fn metadata(&self) -> Value {
        let i = &self.config.issuer;
        let algs: Vec<&str> = {
            let ring = self.keys.read();
            ring.active_algorithms()
                .into_iter()
                .map(sesame_core::jose::Algorithm::as_str)
                .collect()
        };
        let assertion_algs: Vec<&str> = crate::client_assertion::ASSERTION_ALGORITHMS
            .iter()
            .map(|a| a.as_str())
            .collect();
        let methods: &[&str] = if self.config.fapi2 {
            &["private_key_jwt"]
        } else {
            &[
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
                "none",
            ]
        };
        let confidential: Vec<&str> = methods.iter().copied().filter(|m| *m != "none").collect();
        json!({
            "issuer": i,
            "authorization_endpoint": format!("{i}/authorize"),
            "pushed_authorization_request_endpoint": format!("{i}/par"),
            "require_pushed_authorization_requests": self.config.require_pushed_requests,
            "token_endpoint": format!("{i}/token"),
            "jwks_uri": format!("{i}/jwks.json"),
            "userinfo_endpoint": format!("{i}/userinfo"),
            "revocation_endpoint": format!("{i}/revoke"),
            "introspection_endpoint": format!("{i}/introspect"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "dpop_signing_alg_values_supported": self.config.dpop.proofs.algorithms.iter()
                .map(|a| a.as_str()).collect::<Vec<_>>(),
            "token_endpoint_auth_methods_supported": methods,
            "token_endpoint_auth_signing_alg_values_supported": assertion_algs,
            "revocation_endpoint_auth_methods_supported": methods,
            "revocation_endpoint_auth_signing_alg_values_supported": assertion_algs,
            "introspection_endpoint_auth_methods_supported": confidential,
            "introspection_endpoint_auth_signing_alg_values_supported": assertion_algs,
            "id_token_signing_alg_values_supported": algs,
            "subject_types_supported": ["public"],
            "scopes_supported": self.config.scopes,
            "claims_supported": CLAIMS_SUPPORTED,
            "authorization_response_iss_parameter_supported": true,
            // OpenID Connect Discovery §3 makes `request_uri_parameter_supported`
            // true when absent: say that request objects are not taken.
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "claims_parameter_supported": false,
        })
    }
}
