//! `cargo run -p sesame-demo` in real headless Chromium (Debian's, driven by
//! playwright-core): a password sign-in and API calls (403 on the admin route
//! for bob), Swagger UI's Authorize (authorization code + PKCE in a popup)
//! and "Try it out", and "Sign in with GitHub" — from the demo's page and
//! from the server's login page — through a local fake of GitHub that
//! speaks GitHub's wire format and checks what it is sent.
//!
//! Screenshots: `target/e2e-artifacts/demo-browser/`.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use serde_json::{json, Value};
use sesame_e2e::*;

const CLIENT_ID: &str = "Iv1.demo-client-id";
const CLIENT_SECRET: &str = "demo-client-secret-1234";

/// One request the fake received: what, and the headers that matter.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    params: HashMap<String, String>,
    headers: HashMap<String, String>,
}

#[derive(Clone, Default)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// code → (redirect_uri, code_challenge)
    codes: Arc<Mutex<HashMap<String, (String, String)>>>,
    next: Arc<Mutex<u32>>,
}

impl Fake {
    fn record(&self, path: &str, params: &HashMap<String, String>, headers: &HeaderMap) {
        let headers = headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        self.seen.lock().unwrap().push(Seen {
            path: path.to_owned(),
            params: params.clone(),
            headers,
        });
    }
    fn seen(&self, path: &str) -> Vec<Seen> {
        let all = self.seen.lock().unwrap();
        all.iter().filter(|s| s.path == path).cloned().collect()
    }
}

/// `GET /login/oauth/authorize`: GitHub's consent, approved at once.
async fn authorize(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    fake.record("/login/oauth/authorize", &q, &headers);
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return (StatusCode::NOT_FOUND, "unknown client").into_response();
    }
    let code = {
        let mut n = fake.next.lock().unwrap();
        *n += 1;
        format!("gh-code-{n}")
    };
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let challenge = q.get("code_challenge").cloned().unwrap_or_default();
    fake.codes
        .lock()
        .unwrap()
        .insert(code.clone(), (redirect.clone(), challenge));
    let state = q.get("state").cloned().unwrap_or_default();
    let mut url = url::Url::parse(&redirect).unwrap();
    url.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &state);
    Redirect::to(url.as_str()).into_response()
}

/// `POST /login/oauth/access_token`: GitHub answers errors with 200 too.
async fn token(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Json<Value> {
    fake.record("/login/oauth/access_token", &f, &headers);
    let Some((redirect, challenge)) = f
        .get("code")
        .and_then(|c| fake.codes.lock().unwrap().remove(c))
    else {
        return Json(json!({"error": "bad_verification_code",
            "error_description": "The code passed is incorrect or expired.",
            "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code"}));
    };
    let verifier = f.get("code_verifier").cloned().unwrap_or_default();
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref());
    let ok = f.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && f.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET)
        && f.get("redirect_uri") == Some(&redirect)
        && computed == challenge;
    if !ok {
        return Json(json!({"error": "incorrect_client_credentials"}));
    }
    Json(
        json!({"access_token": "gho_16C7e42F292c6912E7710c838347Ae178B4a", "token_type": "bearer", "scope": "read:user,user:email"}),
    )
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some("Bearer gho_16C7e42F292c6912E7710c838347Ae178B4a")
}

/// `GET /user` (api.github.com).
async fn user(State(fake): State<Fake>, headers: HeaderMap) -> Response {
    fake.record("/user", &HashMap::new(), &headers);
    if !authorized(&headers) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}))).into_response();
    }
    Json(json!({
        "login": "octocat", "id": 583231, "node_id": "MDQ6VXNlcjU4MzIzMQ==",
        "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
        "html_url": "https://github.com/octocat", "type": "User", "site_admin": false,
        "name": "The Octocat", "company": "@github", "blog": "https://github.blog",
        "location": "San Francisco", "email": null, "hireable": null, "bio": null,
        "public_repos": 8, "followers": 9999, "following": 9,
        "created_at": "2011-01-25T18:44:36Z", "updated_at": "2024-01-22T12:12:12Z"
    }))
    .into_response()
}

/// `GET /user/emails` (api.github.com).
async fn emails(State(fake): State<Fake>, headers: HeaderMap) -> Response {
    fake.record("/user/emails", &HashMap::new(), &headers);
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Bad credentials"})),
        )
            .into_response();
    }
    Json(json!([
        {"email": "octocat@users.noreply.github.com", "primary": false, "verified": true, "visibility": null},
        {"email": "octocat@github.com", "primary": true, "verified": true, "visibility": "public"}
    ]))
    .into_response()
}

async fn start_fake() -> (Fake, String) {
    let fake = Fake::default();
    let app = Router::new()
        .route("/login/oauth/authorize", get(authorize))
        .route("/login/oauth/access_token", post(token))
        .route("/api/user", get(user))
        .route("/api/user/emails", get(emails))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_swagger_and_social_sign_ins_in_chromium() {
    let (fake, fake_base) = start_fake().await;
    let rebase = format!("https://github.com={fake_base},https://api.github.com={fake_base}/api");
    let (_demo, base) = start_demo(&[
        ("SESAME_GITHUB_CLIENT_ID", CLIENT_ID),
        ("SESAME_GITHUB_CLIENT_SECRET", CLIENT_SECRET),
        ("SESAME_GITHUB_REBASE", &rebase),
    ])
    .await;
    let shots = artifacts_dir("demo-browser");
    let (results, output) = browser(&base, &shots, &[]).await;
    let by_name = |name: &str| -> Value {
        results
            .iter()
            .find(|r| r["scenario"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no result for {name}:\n{output}"))
    };
    for name in ["password", "session", "swagger", "social"] {
        assert_eq!(by_name(name)["ok"], true, "{name} failed:\n{output}");
    }

    // Signed in, still signed in after a reload, signed out by the button,
    // and the back button then shows nothing private.
    let session = by_name("session");
    assert_eq!(session["reloaded"], "alice");
    assert_eq!(session["signed_out_at"], "/");
    assert_eq!(session["back_shows_private"], false);
    assert_eq!(session["api_without_token"], "401");

    let password = by_name("password");
    assert_eq!(password["alice_me"], "200");
    assert_eq!(password["alice_admin"], "200");
    assert_eq!(password["bob_me"], "200");
    assert_eq!(password["bob_admin"], "403");

    // Swagger UI signed in as the public client with PKCE, no secret.
    let swagger = by_name("swagger");
    assert_eq!(swagger["client_id"], "swagger-ui");
    assert_eq!(swagger["code_challenge_method"], "S256");
    assert_eq!(swagger["has_code_challenge"], true);
    assert_eq!(swagger["has_client_secret"], false);
    assert_eq!(swagger["before"], "401");
    assert_eq!(swagger["after"], "200");
    assert_eq!(swagger["bearer_sent"], true);

    // Both social starts end in the app's own token for github:583231,
    // which the API accepts, without the admin role.
    let social = by_name("social");
    for start in ["home", "login-page"] {
        let s = &social[start];
        assert_eq!(s["user"], "github:583231", "{social}");
        assert_eq!(s["me"], "200");
        assert_eq!(s["admin"], "403");
        assert_eq!(s["idp"], "github");
        assert_eq!(s["email"], "octocat@github.com");
    }

    // What GitHub was sent, twice (one per social start).
    let callback = format!("{base}/auth/github/callback");
    let authorizations = fake.seen("/login/oauth/authorize");
    assert_eq!(authorizations.len(), 2, "{authorizations:?}");
    for a in &authorizations {
        let p = &a.params;
        assert_eq!(p["response_type"], "code");
        assert_eq!(p["client_id"], CLIENT_ID);
        assert_eq!(p["redirect_uri"], callback);
        assert_eq!(p["scope"], "read:user user:email");
        assert_eq!(p["code_challenge_method"], "S256");
        assert_eq!(p["code_challenge"].len(), 43);
        assert!(p["state"].len() >= 22);
        assert!(!p.contains_key("client_secret"));
    }
    let tokens = fake.seen("/login/oauth/access_token");
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    for t in &tokens {
        assert_eq!(t.params["grant_type"], "authorization_code");
        assert_eq!(t.params["redirect_uri"], callback);
        assert!(t.params["code"].starts_with("gh-code-"));
        assert_eq!(t.headers["accept"], "application/json");
        assert_eq!(
            t.headers["content-type"],
            "application/x-www-form-urlencoded"
        );
        assert!(
            !t.headers.contains_key("authorization"),
            "client_secret_post only"
        );
    }
    for path in ["/user", "/user/emails"] {
        let calls = fake.seen(path);
        assert_eq!(calls.len(), 2, "{path}: {calls:?}");
        for c in &calls {
            assert_eq!(c.headers["accept"], "application/vnd.github+json");
            assert_eq!(c.headers["x-github-api-version"], "2022-11-28");
            assert!(c.headers["user-agent"].starts_with("sesame/"));
        }
    }

    let count = std::fs::read_dir(&shots).map(|d| d.count()).unwrap_or(0);
    assert!(
        count >= 10,
        "only {count} screenshots in {}",
        shots.display()
    );
    report(&format!(
        "browser demo: password, session (reload, sign out, back button), Swagger Authorize + Try it out, GitHub social x2 — {count} screenshots in {}",
        shots.display()
    ));
}
