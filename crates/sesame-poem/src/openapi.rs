//! OpenAPI glue (feature `openapi`): Sesame sign-in as a poem-openapi
//! security scheme, and Swagger UI whose "Authorize" button performs a real
//! authorization-code + PKCE login.
//!
//! * [`OAuth2Claims`] is an operation parameter: it documents the operation
//!   as secured by the scheme [`SECURITY_SCHEME`] and hands the handler the
//!   validated claims (from [`BearerMiddleware`](crate::BearerMiddleware),
//!   or by validating the token with a
//!   [`BearerAuth`] found in the route's data).
//!   Scopes listed with `#[oai(scope = …)]` are documentation; enforce them
//!   with a [`Guard`] — in the middleware or with [`OAuth2Claims::require`].
//! * [`swagger_ui`] serves the document, with the scheme's real endpoints
//!   and scopes from an [`AuthorizationCodeFlow`] (poem-openapi only takes
//!   compile-time strings, so the document is completed when served), and
//!   Swagger UI signing in as a public [`DocsClient`] with PKCE.
//!
//! ```no_run
//! # fn demo(server: &sesame_server::AuthorizationServer, auth: sesame_reqwest::BearerAuth) {
//! use poem::{EndpointExt, Route};
//! use poem_openapi::{payload::PlainText, OAuthScopes, OpenApi, OpenApiService};
//! use sesame_core::openapi::DocsClient;
//! use sesame_core::resource::Guard;
//! use sesame_poem::openapi::OAuth2Claims;
//!
//! #[derive(OAuthScopes)]
//! enum Scopes {
//!     /// Read the API.
//!     #[oai(rename = "api:read")]
//!     ApiRead,
//! }
//!
//! struct Api;
//!
//! #[OpenApi]
//! impl Api {
//!     /// Who am I?
//!     #[oai(path = "/me", method = "get")]
//!     async fn me(&self, #[oai(scope = "Scopes::ApiRead")] who: OAuth2Claims) -> poem::Result<PlainText<String>> {
//!         who.require(&Guard::new().scope("api:read"))?;
//!         Ok(PlainText(who.0.subject))
//!     }
//! }
//!
//! let api = OpenApiService::new(Api, "My API", "1.0").server("/api");
//! let docs = sesame_poem::openapi::swagger_ui(
//!     "/docs",
//!     &api.spec(),
//!     &server.authorization_code_flow(),
//!     &DocsClient::new("swagger-ui").scopes(["api:read"]),
//! );
//! let app = Route::new().nest("/api", api.data(auth)).nest("/docs", docs);
//! # }
//! ```

use std::sync::Arc;

use poem::http::{header, StatusCode};
use poem::{Request, RequestBody, Response, Route};
use poem_openapi::registry::{MetaOAuthFlow, MetaOAuthFlows, MetaSecurityScheme, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use sesame_core::openapi::{AuthorizationCodeFlow, DocsClient};
use sesame_core::resource::{AccessClaims, BearerError, FromAccessClaims, Guard};
use sesame_reqwest::BearerAuth;

use crate::to_poem;

/// The name of the security scheme [`OAuth2Claims`] registers.
pub const SECURITY_SCHEME: &str = "sesame";

/// The validated claims of the request's bearer token, as a poem-openapi
/// operation parameter secured by [`SECURITY_SCHEME`]:
/// [`AccessClaims`] by default, or your own type deserialized from the
/// token's claims (`OAuth2Claims<MyClaims>`, see [`FromAccessClaims`]).
#[derive(Debug, Clone)]
pub struct OAuth2Claims<T = AccessClaims>(pub T, Realm);

/// The realm refusals name (the validating [`BearerAuth`]'s).
#[derive(Debug, Clone)]
struct Realm(String);

impl OAuth2Claims {
    /// Checks `guard` (scopes, claims): a 403 `insufficient_scope` RFC 6750
    /// refusal when it doesn't pass.
    pub fn require(&self, guard: &Guard) -> poem::Result<()> {
        guard.check(&self.0).map_err(|e| refuse(e, &self.1 .0))
    }
}

fn refuse(e: BearerError, realm: &str) -> poem::Error {
    poem::Error::from_response(to_poem(e.to_response(realm)))
}

impl<'a, T: FromAccessClaims> ApiExtractor<'a> for OAuth2Claims<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        // Placeholders for a same-origin Sesame server; `swagger_ui`
        // replaces them with the configured flow.
        registry.create_security_scheme(
            SECURITY_SCHEME,
            MetaSecurityScheme {
                ty: "oauth2",
                description: Some("OAuth 2.0 authorization code with PKCE (S256)."),
                name: None,
                key_in: None,
                scheme: None,
                bearer_format: None,
                flows: Some(MetaOAuthFlows {
                    implicit: None,
                    password: None,
                    client_credentials: None,
                    authorization_code: Some(MetaOAuthFlow {
                        authorization_url: Some("/authorize"),
                        token_url: Some("/token"),
                        refresh_url: None,
                        scopes: Vec::new(),
                    }),
                }),
                openid_connect_url: None,
            },
        );
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![SECURITY_SCHEME]
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        if let Some(claims) = request.extensions().get::<AccessClaims>() {
            // Validated by `BearerMiddleware`, which left its realm.
            let realm = sesame_core::resource::Realm::of(request.extensions());
            return T::from_access_claims(claims)
                .map(|c| Self(c, Realm(realm.to_owned())))
                .map_err(|e| refuse(e, realm));
        }
        let auth = request
            .data::<BearerAuth>()
            .cloned()
            .or_else(|| request.data::<Arc<BearerAuth>>().map(|a| (**a).clone()));
        let Some(auth) = auth else {
            return Err(refuse(BearerError::Missing, "api"));
        };
        let refusal = |e: BearerError| poem::Error::from_response(to_poem(auth.refusal(&e)));
        let claims = auth
            .authenticate_request(
                request.method(),
                request.original_uri(),
                request.headers(),
                &Guard::new(),
            )
            .await
            .map_err(refusal)?;
        let realm = Realm(auth.realm_name().to_owned());
        T::from_access_claims(&claims)
            .map(|c| Self(c, realm))
            .map_err(refusal)
    }
}

/// Swagger UI for `spec` (poem-openapi's `OpenApiService::spec()`), to be
/// nested at `docs_path` (e.g. `/docs`): the page at `{docs_path}/`, the
/// document at `{docs_path}/openapi.json` with [`SECURITY_SCHEME`] set to
/// `flow`, and the OAuth receiver at `{docs_path}/oauth2-redirect.html` —
/// register that URL for `client` (see `sesame_server::RegisteredClient::for_docs`).
pub fn swagger_ui(
    docs_path: &str,
    spec: &str,
    flow: &AuthorizationCodeFlow,
    client: &DocsClient,
) -> Route {
    let docs_path = docs_path.trim_end_matches('/').to_owned();
    // poem-openapi's documents always parse; should one not, it is served
    // as it came rather than replaced.
    let document = match serde_json::from_str::<serde_json::Value>(spec) {
        Ok(mut doc) => {
            flow.install(&mut doc, SECURITY_SCHEME);
            serde_json::to_vec(&doc).unwrap_or_else(|_| spec.as_bytes().to_vec())
        }
        Err(_) => spec.as_bytes().to_vec(),
    };
    let document = Arc::new(document);
    let oauth = utoipa_swagger_ui::oauth::Config::new()
        .client_id(&client.client_id)
        .scopes(client.scopes.clone())
        .use_pkce_with_authorization_code_grant(true);
    let config = Arc::new(utoipa_swagger_ui::Config::with_oauth_config(
        [format!("{docs_path}/openapi.json")],
        oauth,
    ));
    let spec_endpoint = poem::endpoint::make_sync(move |_| {
        Response::builder()
            .content_type("application/json")
            .body(document.as_ref().clone())
    });
    let files = Arc::new(poem::endpoint::make_sync(move |req: Request| {
        let path = req.uri().path().trim_start_matches('/').to_owned();
        if path.is_empty() && !req.original_uri().path().ends_with('/') {
            // Swagger UI resolves its OAuth receiver against the page's
            // directory: `/docs` must become `/docs/`.
            return Response::builder()
                .status(StatusCode::PERMANENT_REDIRECT)
                .header(header::LOCATION, format!("{}/", req.original_uri().path()))
                .finish();
        }
        match utoipa_swagger_ui::serve(&path, Arc::clone(&config)) {
            Ok(Some(file)) => {
                let mut resp = Response::builder().content_type(file.content_type.as_str());
                if file.gzpipped {
                    resp = resp.header(header::CONTENT_ENCODING, "gzip");
                }
                // No framing, no referrer, no sniffing (sesame_core::response::PAGE_HEADERS).
                for (name, value) in sesame_core::response::PAGE_HEADERS {
                    resp = resp.header(name, value);
                }
                resp.body(file.bytes.into_owned())
            }
            Ok(None) => StatusCode::NOT_FOUND.into(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into(),
        }
    }));
    Route::new()
        .at("/openapi.json", spec_endpoint)
        .at("/", Arc::clone(&files))
        .at("/*path", files)
}
