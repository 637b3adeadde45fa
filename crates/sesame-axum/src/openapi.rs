//! OpenAPI glue (feature `openapi`): Sesame sign-in as a utoipa security
//! scheme, and Swagger UI whose "Authorize" button performs a real
//! authorization-code + PKCE login.
//!
//! The flow and the docs client come from
//! [`sesame_core::openapi`]; this module only turns them into utoipa and
//! `utoipa-swagger-ui` values (the Swagger UI files are compiled into the
//! binary — nothing is fetched at build or run time).
//!
//! ```no_run
//! # fn demo(server: &sesame_server::AuthorizationServer) {
//! use sesame_core::openapi::DocsClient;
//! use utoipa::OpenApi;
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(me))]
//! struct ApiDoc;
//!
//! /// Who am I?
//! #[utoipa::path(get, path = "/api/me", security(("sesame" = ["api:read"])))]
//! async fn me() {}
//!
//! let mut doc = ApiDoc::openapi();
//! sesame_axum::openapi::add_security_scheme(&mut doc, "sesame", &server.authorization_code_flow());
//! let docs: axum::Router = sesame_axum::openapi::swagger_ui(
//!     "/docs",
//!     "/openapi.json",
//!     doc,
//!     &DocsClient::new("swagger-ui").scopes(["api:read"]),
//! );
//! # }
//! ```

use axum::Router;
use sesame_core::openapi::{AuthorizationCodeFlow, DocsClient};
use utoipa::openapi::security::SecurityScheme;

/// Adds `flow` to `openapi` as the security scheme `name`. Operations refer
/// to it with `security(("name" = ["scope", …]))`.
pub fn add_security_scheme(
    openapi: &mut utoipa::openapi::OpenApi,
    name: &str,
    flow: &AuthorizationCodeFlow,
) {
    use utoipa::openapi::security::{AuthorizationCode, Flow, OAuth2, Scopes};
    // Built field by field: a serde round trip through utoipa's types loses
    // `tokenUrl` (its flattened scopes swallow the field).
    let scopes = Scopes::from_iter(flow.scopes.iter().map(|(n, d)| (n.as_str(), d.as_str())));
    let code = match &flow.refresh_url {
        Some(refresh) => AuthorizationCode::with_refresh_url(
            flow.authorization_url.as_str(),
            flow.token_url.as_str(),
            scopes,
            refresh.as_str(),
        ),
        None => AuthorizationCode::new(&flow.authorization_url, &flow.token_url, scopes),
    };
    let scheme = SecurityScheme::OAuth2(OAuth2::with_description(
        [Flow::AuthorizationCode(code)],
        "OAuth 2.0 authorization code with PKCE (S256).",
    ));
    openapi
        .components
        .get_or_insert_with(Default::default)
        .add_security_scheme(name, scheme);
}

/// Swagger UI at `docs_path` (e.g. `/docs`, its OAuth receiver at
/// `/docs/oauth2-redirect.html`) showing `openapi`, which is served at
/// `spec_path`. Its "Authorize" dialog signs in as the public `client`
/// with PKCE (S256) and the client's scopes preselected.
pub fn swagger_ui<S: Clone + Send + Sync + 'static>(
    docs_path: &'static str,
    spec_path: &'static str,
    openapi: utoipa::openapi::OpenApi,
    client: &DocsClient,
) -> Router<S> {
    let oauth = utoipa_swagger_ui::oauth::Config::new()
        .client_id(&client.client_id)
        .scopes(client.scopes.clone())
        .use_pkce_with_authorization_code_grant(true);
    let router: Router<S> = utoipa_swagger_ui::SwaggerUi::new(docs_path)
        .url(spec_path, openapi)
        .oauth(oauth)
        .into();
    router.layer(axum::middleware::map_response(crate::page_headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_is_the_cores_to_the_letter() {
        let flow =
            AuthorizationCodeFlow::new("https://id.example/authorize", "https://id.example/token")
                .refresh_url("https://id.example/token")
                .scope("api:read", "Read")
                .scope("api:write", "Write");
        let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
        add_security_scheme(&mut doc, "sesame", &flow);
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            json["components"]["securitySchemes"]["sesame"],
            flow.security_scheme()
        );
    }
}
