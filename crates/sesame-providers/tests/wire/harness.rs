//! A fake identity provider on 127.0.0.1 and a login driver.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::IntoResponse;
use serde_json::{json, Map, Value};
use sesame_core::client::{Client, ClientConfig, MintSecret};
use sesame_core::jose::SigningKey;
use sesame_core::login::LoginService;
use sesame_core::provider::Provider;
use sesame_core::seal::{Sealer, SealingKey};

pub const CLIENT_ID: &str = "client-id";
pub const CLIENT_SECRET: &str = "client-secret";
pub const CODE: &str = "test-code";

/// The fixed authorization parameters of most OpenID Providers: the client
/// id and the scope `openid email profile`.
pub const OPENID_EMAIL_PROFILE: &[(&str, &str)] =
    &[("client_id", CLIENT_ID), ("scope", "openid email profile")];

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    /// Path including the host prefix, e.g. `/github.com/login/oauth/access_token`.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn query_map(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    }
    /// The client id and secret of an HTTP Basic header (form-decoded per RFC 6749 §2.3.1).
    pub fn basic(&self) -> Option<(String, String)> {
        use base64::Engine;
        let h = self.header("authorization")?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(h.strip_prefix("Basic ")?)
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (u, p) = text.split_once(':')?;
        let dec = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        Some((dec(u), dec(p)))
    }
}

#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

pub fn json_reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        content_type: "application/json",
        body: body.to_string().into_bytes(),
    }
}

#[derive(Default)]
struct FakeState {
    replies: HashMap<(String, String), Reply>,
    log: Vec<Recorded>,
}

/// The fake provider: answers registered (method, path) pairs, records everything.
#[derive(Clone)]
pub struct Fake {
    pub base: String,
    state: Arc<Mutex<FakeState>>,
}

async fn fake_handler(
    State(state): State<Arc<Mutex<FakeState>>>,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let path = uri.path().to_owned();
    let mut s = state.lock().unwrap();
    s.log.push(Recorded {
        method: method.clone(),
        path: path.clone(),
        query: uri.query().map(str::to_owned),
        headers,
        body: body.to_vec(),
    });
    match s.replies.get(&(method.as_str().to_owned(), path.clone())) {
        Some(r) => (
            axum::http::StatusCode::from_u16(r.status).unwrap(),
            [("content-type", r.content_type)],
            r.body.clone(),
        )
            .into_response(),
        None => (
            axum::http::StatusCode::NOT_FOUND,
            format!("fake: no reply for {method} {path}"),
        )
            .into_response(),
    }
}

impl Fake {
    pub async fn start() -> Fake {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let app = axum::Router::new()
            .fallback(fake_handler)
            .with_state(Arc::clone(&state));
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        Fake { base, state }
    }

    /// `https://host/path?q` → `http://127.0.0.1:P/host/path?q`.
    pub fn url(&self, real: &str) -> String {
        let u = url::Url::parse(real).unwrap();
        let rest = &real[u.origin().ascii_serialization().len()..];
        format!("{}/{}{}", self.base, u.host_str().unwrap(), rest)
    }

    /// The fake's path for a real URL (what `requests()` records).
    pub fn path(&self, real: &str) -> String {
        let u = url::Url::parse(real).unwrap();
        format!("/{}{}", u.host_str().unwrap(), u.path())
    }

    /// Answer `method real_url` (query ignored) with `reply`.
    pub fn on(&self, method: &str, real_url: &str, reply: Reply) {
        let key = (method.to_owned(), self.path(real_url));
        self.state.lock().unwrap().replies.insert(key, reply);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().log.clone()
    }

    /// The one request to `real_url`'s path (panics if there is not exactly one).
    pub fn request_to(&self, method: &str, real_url: &str) -> Recorded {
        let path = self.path(real_url);
        let found: Vec<Recorded> = self
            .requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one {method} {path}, got {}: {:?}",
            found.len(),
            self.requests().iter().map(|r| &r.path).collect::<Vec<_>>()
        );
        found.into_iter().next().unwrap()
    }

    /// The fake's ID-token signing key (RFC 7515 A.3's P-256 key) and its JWKS.
    pub fn key() -> SigningKey {
        let vectors: Value = serde_json::from_str(include_str!(
            "../../../sesame-core/tests/vectors/rfc7515.json"
        ))
        .unwrap();
        let jwk = vectors["a3_es256"]["jwk"].clone();
        SigningKey::from_jwk(&jwk, "fake-key-1").unwrap()
    }

    pub fn jwks() -> Value {
        json!({"keys": [Fake::key().public_jwk().unwrap()]})
    }

    /// Serves the JWKS at `real_url`.
    pub fn serve_jwks(&self, real_url: &str) {
        self.on("GET", real_url, json_reply(200, Fake::jwks()));
    }

    /// Serves an OIDC discovery document for `real_issuer` whose endpoint
    /// URLs (real ones, given in `endpoints`) point at the fake.
    pub fn serve_discovery(
        &self,
        real_issuer: &str,
        declared_issuer: Option<&str>,
        endpoints: &[(&str, &str)],
    ) {
        let mut doc = Map::new();
        doc.insert(
            "issuer".into(),
            json!(self.url(declared_issuer.unwrap_or(real_issuer))),
        );
        for (k, v) in endpoints {
            doc.insert((*k).into(), json!(self.url(v)));
        }
        let path = format!(
            "{}/.well-known/openid-configuration",
            real_issuer.trim_end_matches('/')
        );
        self.on("GET", &path, json_reply(200, Value::Object(doc)));
    }

    /// An ID token signed by the fake.
    pub fn id_token(claims: Value) -> String {
        Fake::key()
            .sign_claims(Some("JWT"), claims.as_object().unwrap())
            .unwrap()
    }
}

/// The real endpoints of an OpenID Provider, served by the fake through
/// its discovery document and JWKS.
pub struct Oidc {
    pub issuer: &'static str,
    pub authorize: &'static str,
    pub token: &'static str,
    pub userinfo: &'static str,
    pub jwks: &'static str,
}

impl Oidc {
    pub fn serve(&self, fake: &Fake) {
        fake.serve_discovery(
            self.issuer,
            None,
            &[
                ("authorization_endpoint", self.authorize),
                ("token_endpoint", self.token),
                ("userinfo_endpoint", self.userinfo),
                ("jwks_uri", self.jwks),
            ],
        );
        fake.serve_jwks(self.jwks);
    }

    /// Starts a login (static client secret) against this provider's fake and
    /// asserts the authorization URL: the `fixed` parameters, PKCE if `pkce`,
    /// and a nonce.
    pub async fn start(&self, provider: Provider, fixed: &[(&str, &str)], pkce: bool) -> Flow {
        let flow = Flow::start(provider, Secret::Static(CLIENT_SECRET), |f| self.serve(f)).await;
        flow.assert_authorize(self.authorize, fixed, pkce, true);
        flow
    }
}

/// How the app registers the client.
pub enum Secret {
    Static(&'static str),
    Minted(Arc<dyn MintSecret>),
    Public,
}

/// A login in progress through the real Axum adapter.
pub struct Flow {
    pub fake: Fake,
    pub app: String,
    pub provider_id: String,
    pub authorize: url::Url,
    pub cookie: String,
    http: reqwest::Client,
}

impl Flow {
    /// Rebases `provider` onto a fresh fake, mounts it in an Axum app and
    /// requests `/auth/{id}/login`. `before` runs after the fake starts (to
    /// serve discovery documents).
    pub async fn start(provider: Provider, secret: Secret, before: impl FnOnce(&Fake)) -> Flow {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let fake = Fake::start().await;
        before(&fake);
        let mut provider = provider;
        for origin in provider.origins() {
            let to = fake
                .url(&format!("{origin}/"))
                .trim_end_matches('/')
                .to_owned();
            provider = provider.rebase(&origin, &to);
        }
        let id = provider.id.clone();
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let app = format!("http://{}", l.local_addr().unwrap());
        let mut cfg = ClientConfig::new(
            CLIENT_ID,
            format!("{app}/auth/{id}/callback").parse().unwrap(),
        );
        cfg = match secret {
            Secret::Static(s) => cfg.secret(s),
            Secret::Minted(m) => cfg.minted_secret(m),
            Secret::Public => cfg,
        };
        let service = LoginService::new(Sealer::new(SealingKey::from_bytes([3; 32])))
            .insecure_cookies()
            .provider(Client::new(provider, cfg).unwrap());
        let router: axum::Router = axum::Router::new().nest(
            "/auth",
            sesame_axum::SesameAuth::new(service).unwrap().router(),
        );
        tokio::spawn(async move { axum::serve(l, router).await.unwrap() });

        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = http
            .get(format!("{app}/auth/{id}/login"))
            .send()
            .await
            .unwrap();
        if resp.status() != 303 {
            panic!(
                "login: {} {:?}; the fake saw {:?}",
                resp.status(),
                resp.text().await,
                fake.requests()
                    .iter()
                    .map(|r| (r.path.clone(), r.query.clone()))
                    .collect::<Vec<_>>()
            );
        }
        let authorize = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
        let cookie = resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        Flow {
            fake,
            app,
            provider_id: id,
            authorize,
            cookie,
            http,
        }
    }

    /// [`Flow::start`] with the static client secret and nothing served
    /// beforehand.
    pub async fn start_with_secret(provider: Provider) -> Flow {
        Flow::start(provider, Secret::Static(CLIENT_SECRET), |_| {}).await
    }

    pub fn param(&self, name: &str) -> Option<String> {
        self.authorize
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// Asserts the authorization URL: the real endpoint it maps to, the exact
    /// fixed parameters, and the presence of state, PKCE and nonce.
    pub fn assert_authorize(
        &self,
        real_endpoint: &str,
        fixed: &[(&str, &str)],
        pkce: bool,
        nonce: bool,
    ) {
        assert_eq!(
            format!("{}{}", self.fake.base, self.authorize.path()),
            self.fake.url(real_endpoint),
            "authorization endpoint"
        );
        let params: HashMap<String, String> = self.authorize.query_pairs().into_owned().collect();
        for (k, v) in fixed {
            assert_eq!(
                params.get(*k).map(String::as_str),
                Some(*v),
                "authorization parameter {k}"
            );
        }
        assert_eq!(
            params.get("response_type").map(String::as_str),
            Some("code")
        );
        assert_eq!(
            params.get("redirect_uri"),
            Some(&format!("{}/auth/{}/callback", self.app, self.provider_id))
        );
        assert_eq!(params.get("state").map(String::len), Some(22), "state");
        assert_eq!(
            params.contains_key("code_challenge"),
            pkce,
            "pkce challenge"
        );
        if pkce {
            assert_eq!(
                params.get("code_challenge_method").map(String::as_str),
                Some("S256")
            );
        }
        assert_eq!(params.contains_key("nonce"), nonce, "nonce");
        let mut expected: Vec<&str> = vec!["response_type", "redirect_uri", "state"];
        expected.extend(fixed.iter().map(|(k, _)| *k));
        if pkce {
            expected.extend(["code_challenge", "code_challenge_method"]);
        }
        if nonce {
            expected.push("nonce");
        }
        let mut got: Vec<&str> = params.keys().map(String::as_str).collect();
        got.sort_unstable();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(got, expected, "the exact set of authorization parameters");
    }

    /// Completes the callback (GET, or a form_post with `extra_form`).
    pub async fn callback(&self, form_post: Option<&[(&str, &str)]>) -> (u16, Value) {
        let state = self.param("state").unwrap();
        let url = format!("{}/auth/{}/callback", self.app, self.provider_id);
        let resp = match form_post {
            None => self
                .http
                .get(format!("{url}?code={CODE}&state={state}"))
                .header("cookie", &self.cookie)
                .send()
                .await
                .unwrap(),
            Some(extra) => {
                let mut pairs = vec![("code", CODE), ("state", state.as_str())];
                pairs.extend_from_slice(extra);
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                self.http
                    .post(url)
                    .header("cookie", &self.cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// Completes the callback (GET), asserts it succeeded (200) and returns
    /// the identity.
    pub async fn identity(&self) -> Value {
        let (status, identity) = self.callback(None).await;
        assert_eq!(status, 200, "{identity}");
        identity
    }

    /// Answers `method real_url` with 200 and the JSON `body`, then
    /// [`Flow::identity`].
    pub async fn identity_after(&self, method: &str, real_url: &str, body: Value) -> Value {
        self.fake.on(method, real_url, json_reply(200, body));
        self.identity().await
    }

    /// Answers the token endpoint with `token` and `GET real_url` with 200
    /// and the JSON `body`, then [`Flow::identity`].
    pub async fn identity_after_token(
        &self,
        real_token_url: &str,
        token: Reply,
        real_url: &str,
        body: Value,
    ) -> Value {
        self.fake.on("POST", real_token_url, token);
        self.identity_after("GET", real_url, body).await
    }

    /// Completes the callback (GET) and returns the app's status and the
    /// `error` code of its body.
    pub async fn callback_error(&self) -> (u16, Option<String>) {
        let (status, body) = self.callback(None).await;
        (status, body["error"].as_str().map(str::to_owned))
    }

    /// Answers the token endpoint with `status` and the JSON `body`, then
    /// [`Flow::callback_error`].
    pub async fn token_error(
        &self,
        real_token_url: &str,
        status: u16,
        body: Value,
    ) -> (u16, Option<String>) {
        self.fake
            .on("POST", real_token_url, json_reply(status, body));
        self.callback_error().await
    }

    /// The token request the app sent, with the common checks: POST, form,
    /// grant type, code, redirect URI, and the PKCE verifier matching the challenge.
    pub fn token_request(&self, real_token_url: &str) -> Recorded {
        let r = self.fake.request_to("POST", real_token_url);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        let f = r.form();
        assert_eq!(
            f.get("grant_type").map(String::as_str),
            Some("authorization_code")
        );
        assert_eq!(f.get("code").map(String::as_str), Some(CODE));
        assert_eq!(
            f.get("redirect_uri"),
            Some(&format!("{}/auth/{}/callback", self.app, self.provider_id))
        );
        match self.param("code_challenge") {
            Some(ch) => assert_eq!(
                sesame_core::pkce::challenge_s256(f.get("code_verifier").expect("verifier")),
                ch
            ),
            None => assert!(!f.contains_key("code_verifier")),
        }
        r
    }

    /// Checks `client_secret_basic`: credentials in the header, not the body.
    pub fn assert_basic(r: &Recorded) {
        assert_eq!(
            r.basic(),
            Some((CLIENT_ID.into(), CLIENT_SECRET.into())),
            "basic credentials"
        );
        assert!(!r.form().contains_key("client_secret"));
    }

    /// Checks `client_secret_post`: credentials in the body, no header.
    pub fn assert_post(r: &Recorded, id_param: &str) {
        assert!(r.header("authorization").is_none());
        let f = r.form();
        assert_eq!(f.get(id_param).map(String::as_str), Some(CLIENT_ID));
        assert_eq!(
            f.get("client_secret").map(String::as_str),
            Some(CLIENT_SECRET)
        );
    }

    /// The nonce of the authorization request.
    pub fn nonce(&self) -> String {
        self.param("nonce").unwrap()
    }

    /// Standard ID-token claims for this login.
    pub fn id_claims(&self, real_issuer: &str, sub: &str, extra: Value) -> Value {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let mut c = json!({"iss": self.fake.url(real_issuer), "sub": sub, "aud": CLIENT_ID, "iat": now, "exp": now + 600, "nonce": self.nonce()});
        if let (Some(m), Some(e)) = (c.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                m.insert(k.clone(), v.clone());
            }
        }
        c
    }
}

/// Asserts a bearer call to `real_url` happened with the access token.
pub fn assert_bearer(fake: &Fake, method: &str, real_url: &str, token: &str) -> Recorded {
    let r = fake.request_to(method, real_url);
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {token}")),
        "bearer on {real_url}"
    );
    r
}

/// `base` with the fields of `extra` added or replaced.
pub fn with_fields(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

/// Compares selected identity fields.
pub fn assert_identity(got: &Value, expected: Value) {
    for (k, v) in expected.as_object().unwrap() {
        assert_eq!(&got[k], v, "identity.{k} in {got}");
    }
}

/// The token request of a provider that sends JSON instead of a form
/// (Notion, Seznam), with the checks of [`Flow::token_request`].
pub fn json_token_request(flow: &Flow, real_token_url: &str) -> Recorded {
    let r = flow.fake.request_to("POST", real_token_url);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    let j = r.json();
    assert_eq!(j["grant_type"], "authorization_code");
    assert_eq!(j["code"], CODE);
    assert_eq!(
        j["redirect_uri"],
        format!("{}/auth/{}/callback", flow.app, flow.provider_id)
    );
    match flow.param("code_challenge") {
        Some(ch) => assert_eq!(
            sesame_core::pkce::challenge_s256(j["code_verifier"].as_str().expect("verifier")),
            ch
        ),
        None => assert!(j.get("code_verifier").is_none()),
    }
    r
}

/// Completes the callback with a GET carrying extra query parameters
/// besides `code` and `state` (VK ID's `device_id`).
pub async fn callback_with_query(flow: &Flow, extra: &[(&str, &str)]) -> (u16, Value) {
    let state = flow.param("state").unwrap();
    let mut pairs = vec![("code", CODE), ("state", state.as_str())];
    pairs.extend_from_slice(extra);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let resp = flow
        .http
        .get(format!(
            "{}/auth/{}/callback?{query}",
            flow.app, flow.provider_id
        ))
        .header("cookie", &flow.cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// A bare token response carrying `id_token`: access token `t`, type
/// `Bearer`, nothing else.
pub fn id_token_reply(id_token: String) -> Reply {
    json_reply(
        200,
        json!({"access_token": "t", "token_type": "Bearer", "id_token": id_token}),
    )
}

/// The checks of the cases [`common_cases!`] writes, one function per case,
/// named like it.
pub mod cases {
    use serde_json::{json, Value};

    use super::{assert_identity, with_fields, Flow};

    /// `invalid_grant`: the token endpoint answers `status` with the JSON
    /// `error` body, and the app reports 400 `invalid_grant`.
    pub async fn invalid_grant(flow: &Flow, real_token_url: &str, status: u16, error: Value) {
        let got = flow.token_error(real_token_url, status, error).await;
        assert_eq!(got, (400, Some("invalid_grant".into())));
    }

    /// `without_email`: the identity has no email, is not verified, and has
    /// the fields of `expected`.
    pub fn without_email(identity: &Value, expected: Value) {
        let no_email = json!({"email": null, "email_verified": false});
        assert_identity(identity, with_fields(expected, no_email));
    }

    /// `unverified_email`: the identity has `email`, not verified.
    pub fn unverified_email(identity: &Value, email: &str) {
        assert_identity(identity, json!({"email": email, "email_verified": false}));
    }
}

/// The cases the fixtures repeat, written as each provider's data: each
/// case listed becomes a `#[tokio::test]` of that name in the calling module
/// (`wire::okta::invalid_grant`, …), checked by the function of that name in
/// [`cases`]. `invalid_grant` needs only the flow; the two email cases
/// complete the login with [`Flow::identity_after_token`] first.
///
/// ```text
/// common_cases! {
///     start: start(), token: OP.token, userinfo: OP.userinfo;
///     // the token endpoint's status, its JSON body
///     invalid_grant: 400, json!({"error": "invalid_grant", ..});
///     // |the flow| the token reply, the userinfo => the other identity fields expected
///     without_email: |flow| token_reply(&flow), json!({"sub": SUB}) => json!({"id": SUB});
///     // |the flow| the token reply, the userinfo => the email expected (never verified)
///     unverified_email: |flow| token_reply(&flow), json!({..}) => "jane@example.com";
/// }
/// ```
///
/// `start` is a future of the [`Flow`] each case runs, `token` and
/// `userinfo` the real URLs the fake answers. Any case may be left out, and
/// `userinfo` too when only `invalid_grant` is listed (any provider has that
/// case; the two email cases are for a login completed by a token response
/// and one userinfo or profile call, as OpenID Providers do).
macro_rules! common_cases {
    (start: $start:expr, token: $token:expr $(, userinfo: $userinfo:expr)?; $($cases:tt)*) => {
        $crate::wire::harness::common_cases!(@cases ($start, $token $(, $userinfo)?) $($cases)*);
    };
    (@cases $fixture:tt) => {};
    (@cases ($start:expr, $token:expr $(, $userinfo:expr)?)
        invalid_grant: $status:expr, $error:expr; $($rest:tt)*
    ) => {
        #[tokio::test]
        async fn invalid_grant() {
            let flow = $start.await;
            $crate::wire::harness::cases::invalid_grant(&flow, $token, $status, $error).await;
        }
        $crate::wire::harness::common_cases!(@cases ($start, $token $(, $userinfo)?) $($rest)*);
    };
    // `without_email` and `unverified_email`.
    (@cases ($start:expr, $token:expr, $userinfo:expr)
        $case:ident: |$flow:ident| $reply:expr, $info:expr => $expected:expr; $($rest:tt)*
    ) => {
        #[tokio::test]
        async fn $case() {
            let $flow = $start.await;
            let identity = $flow
                .identity_after_token($token, $reply, $userinfo, $info)
                .await;
            $crate::wire::harness::cases::$case(&identity, $expected);
        }
        $crate::wire::harness::common_cases!(@cases ($start, $token, $userinfo) $($rest)*);
    };
}
pub(crate) use common_cases;
