//! The peer of `cargo xtask bench --peers`: the login a Rust user would
//! write without Sesame — Axum, the `oauth2` crate (5) and one shared
//! reqwest client. PKCE (S256) and a random `state`, both kept in one
//! HttpOnly cookie (not sealed: the verifier is secret enough for this, and
//! it is what the crate's examples leave to the user), the code exchanged,
//! userinfo fetched with the access token, the user returned as JSON.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{routing::get, Json, Router};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};

type OAuthClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

struct App {
    oauth: OAuthClient,
    http: reqwest::Client,
    userinfo: String,
}

const COOKIE: &str = "oauth2_login";

/// reqwest 0.13 as the oauth2 crate's HTTP client.
async fn send(
    http: reqwest::Client,
    req: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let resp = http.execute(reqwest::Request::try_from(req)?).await?;
    let mut out = http::Response::builder().status(resp.status());
    for (k, v) in resp.headers() {
        out = out.header(k, v);
    }
    let body = resp.bytes().await?.to_vec();
    Ok(out.body(body).unwrap_or_default())
}

async fn login(State(app): State<Arc<App>>) -> Response {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf) = app
        .oauth
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let cookie = format!(
        "{COOKIE}={}.{}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600",
        csrf.secret(),
        verifier.secret()
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(url.as_str())).into_response()
}

fn error(status: StatusCode, what: &str) -> Response {
    (status, Json(serde_json::json!({ "error": what }))).into_response()
}

async fn callback(
    State(app): State<Arc<App>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='));
    let Some((state, verifier)) = cookie.and_then(|c| c.split_once('.')) else {
        return error(StatusCode::BAD_REQUEST, "no login cookie");
    };
    let (Some(code), Some(returned)) = (q.get("code"), q.get("state")) else {
        return error(StatusCode::BAD_REQUEST, "code and state are required");
    };
    if returned != state {
        return error(StatusCode::BAD_REQUEST, "state mismatch");
    }
    let http = app.http.clone();
    let client = move |req| send(http.clone(), req);
    let token = match app
        .oauth
        .exchange_code(AuthorizationCode::new(code.clone()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
        .request_async(&client)
        .await
    {
        Ok(t) => t,
        Err(e) => return error(StatusCode::BAD_GATEWAY, &e.to_string()),
    };
    let user = app
        .http
        .get(&app.userinfo)
        .bearer_auth(token.access_token().secret())
        .send()
        .await
        .and_then(|r| r.error_for_status());
    let user: serde_json::Value = match user {
        Ok(r) => match r.bytes().await.map(|b| serde_json::from_slice(&b)) {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return error(StatusCode::BAD_GATEWAY, &e.to_string()),
            Err(e) => return error(StatusCode::BAD_GATEWAY, &e.to_string()),
        },
        Err(e) => return error(StatusCode::BAD_GATEWAY, &e.to_string()),
    };
    let Some(sub) = user.get("sub").and_then(|s| s.as_str()) else {
        return error(StatusCode::BAD_GATEWAY, "no sub");
    };
    let body = serde_json::json!({
        "id": sub,
        "email": user.get("email"),
        "name": user.get("name"),
    });
    let clear = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Json(body)).into_response()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (idp, bind) = peer_apps::env()?;
    let oauth = BasicClient::new(ClientId::new(peer_apps::CLIENT_ID.into()))
        .set_client_secret(ClientSecret::new(peer_apps::CLIENT_SECRET.into()))
        .set_auth_uri(AuthUrl::new(format!("{idp}/authorize"))?)
        .set_token_uri(TokenUrl::new(format!("{idp}/token"))?)
        .set_redirect_uri(RedirectUrl::new(format!("http://{bind}/callback"))?);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let app = Arc::new(App {
        oauth,
        http,
        userinfo: format!("{idp}/userinfo"),
    });
    let router = Router::new()
        .route("/login", get(login))
        .route("/callback", get(callback))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
}
