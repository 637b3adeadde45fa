//! A Poem API documented with poem-openapi: Sesame's `OAuth2Claims`
//! security scheme, the flow of the app's own authorization server filled
//! in when the document is served, and Swagger UI whose Authorize button
//! signs in with authorization code + PKCE in real headless Chromium, after
//! which "Try it out" succeeds.
//!
//! Screenshots: `target/e2e-artifacts/poem-swagger/`.
use std::sync::Arc;

use poem::EndpointExt;
use poem_openapi::payload::Json;
use poem_openapi::{OAuthScopes, OpenApi, OpenApiService};
use serde_json::{json, Value};
use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::openapi::{DocsClient, SWAGGER_REDIRECT_FILE};
use sesame_core::resource::{BearerValidator, Guard, TrustedIssuer};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_e2e::*;
use sesame_poem::openapi::{swagger_ui, OAuth2Claims};
use sesame_reqwest::{BearerAuth, Sesame};
use sesame_server::{
    AuthServerService, AuthorizationServer, MemoryStore, RegisteredClient, ServerConfig,
    StaticUsers,
};

#[derive(OAuthScopes)]
enum Scopes {
    /// Read the API.
    #[oai(rename = "api:read")]
    ApiRead,
}

struct Api;

#[OpenApi]
impl Api {
    /// Who the token is for.
    #[oai(path = "/me", method = "get")]
    async fn me(
        &self,
        #[oai(scope = "Scopes::ApiRead")] who: OAuth2Claims,
    ) -> poem::Result<Json<Value>> {
        who.require(&Guard::new().scope("api:read"))?;
        Ok(Json(json!({"sub": who.0.subject, "scopes": who.0.scopes})))
    }

    /// Administrators only.
    #[oai(path = "/admin", method = "get")]
    async fn admin(
        &self,
        #[oai(scope = "Scopes::ApiRead")] who: OAuth2Claims,
    ) -> poem::Result<Json<Value>> {
        who.require(&Guard::new().scope("api:read").claim_eq("role", "admin"))?;
        Ok(Json(json!({"hello": who.0.subject})))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_authorize_then_try_it_out_on_poem() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();

    let docs_client = DocsClient::new("swagger-ui").scopes(["api:read"]);
    let server = Arc::new(AuthorizationServer::new(
        ServerConfig::new(&base)
            .scopes(["api:read"])
            .client(RegisteredClient::for_docs(
                &docs_client,
                &format!("{base}/docs/{SWAGGER_REDIRECT_FILE}"),
            )),
        SigningKey::generate(Algorithm::ES256, "poem-key-1")
            .unwrap()
            .0,
    ));
    let flow = server
        .authorization_code_flow()
        .scope("api:read", "Read the API");
    let users = StaticUsers::default().user(
        "alice",
        "alice-password",
        json!({"role": "admin"}).as_object().cloned().unwrap(),
    );
    let service = Arc::new(
        AuthServerService::new(
            server,
            Arc::new(MemoryStore::default()),
            Arc::new(users),
            Sealer::new(SealingKey::from_bytes([3; 32])),
        )
        .insecure_cookies(),
    );
    let bearer = BearerAuth::new(
        BearerValidator::new().issuer(TrustedIssuer::new(
            &base,
            format!("{base}/jwks.json").parse().unwrap(),
            &format!("{base}/api"),
        )),
        Arc::new(Sesame::new().unwrap()),
    );
    let api = OpenApiService::new(Api, "Poem API", "1.0").server(format!("{base}/api"));
    let docs = swagger_ui("/docs", &api.spec(), &flow, &docs_client);
    let app = sesame_poem::authorization_server(service)
        .nest("/api", api.data(bearer))
        .nest("/docs", docs);
    tokio::spawn(async move {
        poem::Server::new(poem::listener::TcpListener::bind(("127.0.0.1", port)))
            .run(app)
            .await
    });
    wait_for_port(port).await;

    // The served document carries the server's real flow and the
    // operations' scope requirements.
    let http = http_client();
    let doc: Value = get_json(&http, &format!("{base}/docs/openapi.json")).await;
    let scheme = &doc["components"]["securitySchemes"]["sesame"];
    assert_eq!(scheme["type"], "oauth2");
    let code = &scheme["flows"]["authorizationCode"];
    assert_eq!(code["authorizationUrl"], format!("{base}/authorize"));
    assert_eq!(code["tokenUrl"], format!("{base}/token"));
    assert_eq!(code["scopes"]["api:read"], "Read the API");
    assert_eq!(
        doc["paths"]["/me"]["get"]["security"],
        json!([{"sesame": ["api:read"]}])
    );
    // `/docs` redirects to `/docs/`, where Swagger UI resolves its receiver.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .get(format!("{base}/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/docs/");
    let init = http
        .get(format!("{base}/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        init.contains("\"usePkceWithAuthorizationCodeGrant\": true"),
        "{init}"
    );
    assert!(!init.contains("clientSecret"), "{init}");
    // Refusals are RFC 6750's, never a 500.
    let r = http.get(format!("{base}/api/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(format!("{base}/api/me"))
        .bearer_auth("not-a-jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));

    let shots = artifacts_dir("poem-swagger");
    let (results, output) = browser(
        &base,
        &shots,
        &[("SCENARIOS", "swagger"), ("OP_PATH", "/me")],
    )
    .await;
    let swagger = results
        .iter()
        .find(|r| r["scenario"] == "swagger")
        .unwrap_or_else(|| panic!("no result:\n{output}"));
    assert_eq!(swagger["ok"], true, "{output}");
    assert_eq!(swagger["client_id"], "swagger-ui");
    assert_eq!(swagger["code_challenge_method"], "S256");
    assert_eq!(swagger["has_client_secret"], false);
    assert_eq!(swagger["before"], "401");
    assert_eq!(swagger["after"], "200");
    report("browser poem-openapi: Swagger Authorize (PKCE) + Try it out — screenshots in target/e2e-artifacts/poem-swagger");
}
