//! OpenAPI descriptions of OAuth 2.0 sign-in, for API documentation whose
//! "Authorize" button performs a real authorization-code + PKCE login.
//!
//! Two values, shared by the Axum (utoipa) and Poem (poem-openapi)
//! adapters:
//!
//! * [`AuthorizationCodeFlow`]: the OpenAPI `oauth2` security scheme —
//!   authorization and token URLs and the scopes. Build it from Sesame's own
//!   authorization server (`sesame_server::AuthorizationServer::authorization_code_flow`),
//!   from any issuer's discovery document ([`AuthorizationCodeFlow::from_metadata`]),
//!   or by hand.
//! * [`DocsClient`]: the public client the documentation page signs in
//!   with — no secret (a page can't keep one), PKCE S256 always on, and the
//!   scopes preselected in the dialog. `sesame_server::RegisteredClient::for_docs`
//!   registers it at Sesame's authorization server.
//!
//! # Design note: why the docs page talks to the app's own server
//!
//! The browser running Swagger UI exchanges the code itself, so the token
//! endpoint must answer cross-origin requests from the page and accept a
//! public client. Sesame's own authorization server, mounted on the same
//! origin as the docs, does both; GitHub-style providers do neither (no
//! CORS, client secrets required). They are reached through the server's
//! social-login buttons instead, and every login ends in the app's own
//! token.
//!
//! ```
//! use sesame_core::openapi::AuthorizationCodeFlow;
//!
//! let flow = AuthorizationCodeFlow::new(
//!     "https://id.example.com/authorize",
//!     "https://id.example.com/token",
//! )
//! .scope("api:read", "Read the API");
//! let scheme = flow.security_scheme();
//! assert_eq!(scheme["type"], "oauth2");
//! assert_eq!(
//!     scheme["flows"]["authorizationCode"]["scopes"]["api:read"],
//!     "Read the API"
//! );
//! ```

use serde_json::{json, Map, Value};

use crate::discovery::ProviderMetadata;

/// An OAuth 2.0 authorization-code flow as OpenAPI describes it
/// (`flows.authorizationCode` of an `oauth2` security scheme).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCodeFlow {
    /// The authorization endpoint.
    pub authorization_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// Where refresh tokens are redeemed, if it is documented separately.
    pub refresh_url: Option<String>,
    /// Scopes with their descriptions, in the order shown.
    pub scopes: Vec<(String, String)>,
}

impl AuthorizationCodeFlow {
    /// A flow with these endpoints and no scopes yet.
    pub fn new(authorization_url: impl Into<String>, token_url: impl Into<String>) -> Self {
        Self {
            authorization_url: authorization_url.into(),
            token_url: token_url.into(),
            refresh_url: None,
            scopes: Vec::new(),
        }
    }

    /// Any issuer's flow from its discovery document, with the scopes it
    /// advertises (described by their names; override with [`scope`](Self::scope)).
    pub fn from_metadata(metadata: &ProviderMetadata) -> Self {
        let mut flow = Self::new(
            metadata.authorization_endpoint.as_str(),
            metadata.token_endpoint.as_str(),
        );
        for s in &metadata.scopes_supported {
            flow = flow.scope(s, s);
        }
        flow
    }

    /// Adds a scope, or replaces the description of one already listed.
    pub fn scope(mut self, name: &str, description: &str) -> Self {
        match self.scopes.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = description.to_owned(),
            None => self.scopes.push((name.to_owned(), description.to_owned())),
        }
        self
    }

    /// Sets the refresh URL.
    pub fn refresh_url(mut self, url: impl Into<String>) -> Self {
        self.refresh_url = Some(url.into());
        self
    }

    /// The `oauth2` security scheme object (OpenAPI 3.0 and 3.1).
    pub fn security_scheme(&self) -> Value {
        let scopes: Map<String, Value> = self
            .scopes
            .iter()
            .map(|(n, d)| (n.clone(), Value::String(d.clone())))
            .collect();
        let mut flow = json!({
            "authorizationUrl": self.authorization_url,
            "tokenUrl": self.token_url,
            "scopes": scopes,
        });
        if let (Some(url), Some(obj)) = (&self.refresh_url, flow.as_object_mut()) {
            obj.insert("refreshUrl".into(), json!(url));
        }
        json!({
            "type": "oauth2",
            "description": "OAuth 2.0 authorization code with PKCE (S256).",
            "flows": { "authorizationCode": flow },
        })
    }

    /// Puts this flow into an OpenAPI document as the security scheme
    /// `name` (`components.securitySchemes.{name}`), replacing whatever a
    /// framework registered there. Operations keep their own `security`
    /// requirements. Does nothing to a document that is not a JSON object.
    pub fn install(&self, document: &mut Value, name: &str) {
        let Some(doc) = document.as_object_mut() else {
            return;
        };
        let components = doc
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(components) = components.as_object_mut() else {
            return;
        };
        let schemes = components
            .entry("securitySchemes")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(schemes) = schemes.as_object_mut() {
            schemes.insert(name.to_owned(), self.security_scheme());
        }
    }
}

/// The public client an API documentation page (Swagger UI) signs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocsClient {
    /// The client id registered at the authorization server.
    pub client_id: String,
    /// Scopes preselected in the sign-in dialog.
    pub scopes: Vec<String>,
}

impl DocsClient {
    /// The client `client_id`, with no scopes preselected.
    pub fn new(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            scopes: Vec::new(),
        }
    }

    /// Preselects these scopes.
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Swagger UI's `initOAuth` options: the client id, the scopes, and
    /// PKCE with S256 — never a client secret.
    pub fn swagger_init_oauth(&self) -> Value {
        json!({
            "clientId": self.client_id,
            "scopes": self.scopes,
            "usePkceWithAuthorizationCodeGrant": true,
        })
    }
}

/// The file Swagger UI's sign-in popup returns to, relative to the page.
pub const SWAGGER_REDIRECT_FILE: &str = "oauth2-redirect.html";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_replaces_a_registered_placeholder() {
        let mut doc = json!({"openapi": "3.0.0", "components": {"securitySchemes": {
            "sesame": {"type": "oauth2", "flows": {}}
        }}});
        let flow = AuthorizationCodeFlow::new("https://a/authorize", "https://a/token")
            .scope("api:read", "read")
            .refresh_url("https://a/token");
        flow.install(&mut doc, "sesame");
        let f = &doc["components"]["securitySchemes"]["sesame"]["flows"]["authorizationCode"];
        assert_eq!(f["authorizationUrl"], "https://a/authorize");
        assert_eq!(f["refreshUrl"], "https://a/token");
        assert_eq!(f["scopes"]["api:read"], "read");
    }

    #[test]
    fn install_creates_components() {
        let mut doc = json!({"openapi": "3.1.0"});
        AuthorizationCodeFlow::new("/authorize", "/token").install(&mut doc, "x");
        assert_eq!(doc["components"]["securitySchemes"]["x"]["type"], "oauth2");
        let mut not_an_object = json!([]);
        AuthorizationCodeFlow::new("/a", "/t").install(&mut not_an_object, "x");
        assert_eq!(not_an_object, json!([]));
    }

    #[test]
    fn scope_replaces_descriptions() {
        let f = AuthorizationCodeFlow::new("/a", "/t")
            .scope("s", "one")
            .scope("s", "two");
        assert_eq!(f.scopes, vec![("s".to_owned(), "two".to_owned())]);
    }

    #[test]
    fn docs_client_is_public_with_pkce() {
        let c = DocsClient::new("docs").scopes(["api:read"]);
        let init = c.swagger_init_oauth();
        assert_eq!(init["usePkceWithAuthorizationCodeGrant"], true);
        assert!(init.get("clientSecret").is_none());
    }
}
