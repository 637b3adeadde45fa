//! This server in API documentation: its authorization-code flow as an
//! OpenAPI security scheme, and the registration of the docs page's client.

use sesame_core::openapi::{AuthorizationCodeFlow, DocsClient};

use crate::{AuthorizationServer, RegisteredClient};

impl AuthorizationServer {
    /// This server's authorization-code flow for OpenAPI documentation
    /// (see [`sesame_core::openapi`]): its `/authorize` and `/token` endpoints
    /// and every scope it supports, each described by its name (override
    /// with [`AuthorizationCodeFlow::scope`]).
    pub fn authorization_code_flow(&self) -> AuthorizationCodeFlow {
        let i = &self.config.issuer;
        let flow = AuthorizationCodeFlow::new(format!("{i}/authorize"), format!("{i}/token"))
            .refresh_url(format!("{i}/token"));
        self.config
            .scopes
            .iter()
            .fold(flow, |flow, s| flow.scope(s, s))
    }
}

impl RegisteredClient {
    /// The registration of an API documentation page's client
    /// ([`DocsClient`]): a public, first-party client whose only redirect
    /// URI is the docs page's OAuth receiver, e.g.
    /// `https://app.example.com/docs/oauth2-redirect.html`, matched exactly —
    /// on loopback too, where RFC 8252 would otherwise accept any port and
    /// so any local process.
    ///
    /// ```
    /// use sesame_core::openapi::DocsClient;
    /// use sesame_server::RegisteredClient;
    /// let docs = DocsClient::new("docs").scopes(["api:read"]);
    /// let reg = RegisteredClient::for_docs(&docs, "http://127.0.0.1:4000/docs/oauth2-redirect.html");
    /// assert!(reg.secret.is_none());
    /// assert!(reg.first_party);
    /// assert!(!reg.loopback_any_port);
    /// ```
    pub fn for_docs(client: &DocsClient, redirect_uri: &str) -> RegisteredClient {
        RegisteredClient::new(client.client_id.clone(), None, &[redirect_uri]).exact_redirect_uris()
    }
}
