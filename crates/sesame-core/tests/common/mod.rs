//! Shared fixtures: a simulated OpenID Provider with deterministic keys.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use sesame_core::client::{
    CallbackParams, Client, ClientConfig, Exchange as _, Login, LoginExchange, PendingLogin, Step,
};
use sesame_core::discovery::ProviderMetadata;
use sesame_core::jose::{JwkSet, SigningKey};
use sesame_core::provider::Provider;
use sesame_core::random::SeededRandom;
use sesame_core::step::Outgoing;
use sesame_core::LoginError;

pub const ISSUER: &str = "https://op.example";
pub const CLIENT_ID: &str = "client-1";
pub const REDIRECT: &str = "https://app.example/auth/op/callback";

pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A deterministic generator; each call continues a fixed sequence of seeds,
/// so two calls never produce the same values.
pub fn rng() -> SeededRandom {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(42);
    SeededRandom::new(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

pub fn vectors() -> Value {
    serde_json::from_str(include_str!("../vectors/rfc7515.json")).unwrap()
}

/// The RFC 7515 A.3 P-256 key as the OP's signing key.
pub fn es256_key(kid: &str) -> SigningKey {
    SigningKey::from_jwk(&vectors()["a3_es256"]["jwk"], kid).unwrap()
}

/// The RFC 7515 A.2 RSA key as the OP's signing key.
pub fn rs256_key(kid: &str) -> SigningKey {
    SigningKey::from_jwk(&vectors()["a2_rs256"]["jwk"], kid).unwrap()
}

pub fn jwks_of(keys: &[&SigningKey]) -> JwkSet {
    let doc = json!({"keys": keys.iter().map(|k| k.public_jwk().unwrap()).collect::<Vec<_>>()});
    JwkSet::parse(doc.to_string().as_bytes()).unwrap()
}

pub fn metadata() -> ProviderMetadata {
    let doc = json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{ISSUER}/authorize"),
        "token_endpoint": format!("{ISSUER}/token"),
        "userinfo_endpoint": format!("{ISSUER}/userinfo"),
        "jwks_uri": format!("{ISSUER}/jwks"),
        "authorization_response_iss_parameter_supported": true,
        "code_challenge_methods_supported": ["S256"],
    });
    ProviderMetadata::from_json(ISSUER, doc.to_string().as_bytes()).unwrap()
}

pub fn client_with(config: ClientConfig) -> Client {
    Client::new(
        Provider::openid("op", "Example OP", ISSUER).unwrap(),
        config,
    )
    .unwrap()
}

pub fn confidential_client() -> Client {
    client_with(ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()).secret("s3cret"))
}

pub fn public_client() -> Client {
    client_with(ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()))
}

/// Standard valid ID token claims for `nonce`.
pub fn id_claims(nonce: &str) -> Map<String, Value> {
    let t = unix(now());
    json!({
        "iss": ISSUER, "sub": "user-1", "aud": CLIENT_ID,
        "exp": t + 300, "iat": t, "nonce": nonce,
        "email": "ada@example.com", "email_verified": true, "name": "Ada Lovelace",
    })
    .as_object()
    .unwrap()
    .clone()
}

pub fn sign(key: &SigningKey, claims: &Map<String, Value>) -> String {
    key.sign_claims(Some("JWT"), claims).unwrap()
}

pub fn json_response(status: u16, body: Value) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string().into_bytes())
        .unwrap()
}

pub fn query_of(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn form_of(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn form_param(body: &[u8], name: &str) -> Option<String> {
    form_of(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A started login: the client, its authorization URL params and the pending state.
pub struct Started {
    pub client: Client,
    pub meta: Arc<ProviderMetadata>,
    pub url: url::Url,
    pub pending: PendingLogin,
    pub state: String,
    pub nonce: String,
}

pub fn start(client: Client) -> Started {
    let meta = Arc::new(metadata());
    let auth = client.begin(&meta, Some("/home"), now(), &rng()).unwrap();
    let state = param(&auth.url, "state").unwrap();
    let nonce = param(&auth.url, "nonce").unwrap_or_default();
    Started {
        client,
        meta,
        url: auth.url,
        pending: auth.pending,
        state,
        nonce,
    }
}

impl Started {
    pub fn callback(&self, query: &str) -> Result<(LoginExchange, Outgoing), LoginError> {
        let params = CallbackParams::from_query(query)?;
        self.client.callback(
            Arc::clone(&self.meta),
            &params,
            self.pending.clone(),
            now(),
            &rng(),
        )
    }

    pub fn good_query(&self) -> String {
        format!(
            "code=the-code&state={}&iss={}",
            self.state,
            urlencode(ISSUER)
        )
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Drives an exchange with a scripted OP: answers token and userinfo
/// requests, and supplies `keys` when asked.
pub fn drive(
    mut exchange: LoginExchange,
    first: Outgoing,
    mut answer: impl FnMut(&http::Request<Vec<u8>>) -> http::Response<Vec<u8>>,
    mut keys: impl FnMut(bool) -> JwkSet,
) -> Result<Login, LoginError> {
    let mut step = Step::Send(first);
    for _ in 0..10 {
        step = match step {
            Step::Send(out) => {
                let resp = answer(&out.request);
                exchange.on_response(resp, now())?
            }
            Step::NeedKeys(k) => exchange.on_keys(&keys(k.refresh), now())?,
            Step::Done(login) => return Ok(login),
        };
    }
    panic!("exchange did not finish");
}

/// A scripted OP answering the token endpoint with `id_token` and the
/// userinfo endpoint with `userinfo`.
pub fn op_answers(
    id_token: Option<String>,
    userinfo: Value,
) -> impl FnMut(&http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    move |req| {
        let path = req.uri().path().to_owned();
        match path.as_str() {
            "/token" => {
                let mut body = json!({"access_token": "at-123", "token_type": "bearer", "expires_in": 3600, "refresh_token": "rt-1", "scope": "openid email profile"});
                if let Some(t) = &id_token {
                    body["id_token"] = Value::String(t.clone());
                }
                json_response(200, body)
            }
            "/userinfo" => json_response(200, userinfo.clone()),
            other => panic!("unexpected request to {other}"),
        }
    }
}
