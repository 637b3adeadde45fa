//! The authorization server the `/token` benches share: one confidential
//! client (`web`), an ES256 signing key, a login approved for a subject,
//! and the client's `/token` requests.
use std::time::SystemTime;

use sesame_core::jose::{Algorithm, SigningKey};
use sesame_server::{AuthorizationServer, RegisteredClient, ServerConfig, Store};

/// The PKCE verifier of every login (RFC 7636's example).
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// The client's registered redirect URI.
const REDIRECT: &str = "https://app.example/cb";

/// The server, with the client `web` (secret `web-secret`).
pub fn server() -> AuthorizationServer {
    let config = ServerConfig::new("https://as.example").client(RegisteredClient::new(
        "web",
        Some("web-secret"),
        &[REDIRECT],
    ));
    AuthorizationServer::new(
        config,
        SigningKey::generate(Algorithm::ES256, "k").expect("key").0,
    )
}

/// A `/token` request of the client `web` (Basic authentication).
pub fn token_request(pairs: &[(&str, &str)]) -> http::Request<Vec<u8>> {
    use base64::Engine as _;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    http::Request::post("https://as.example/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("web:web-secret")
            ),
        )
        .body(body.into_bytes())
        .expect("request")
}

/// The `/token` request redeeming `code` with the login's verifier.
pub fn redemption(code: &str) -> http::Request<Vec<u8>> {
    token_request(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ])
}

/// A login approved for `subject` with `claims` (the code is saved in
/// `store`): the code the client would receive.
pub async fn approve(
    s: &AuthorizationServer,
    store: &dyn Store,
    subject: &str,
    claims: serde_json::Map<String, serde_json::Value>,
    rng: &dyn sesame_core::random::Random,
) -> String {
    let query = format!(
        "response_type=code&client_id=web&redirect_uri={}&scope=openid&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256",
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    );
    let req = s.authorize(&query).expect("authorize");
    let url = s
        .approve(&req, subject, claims, store, SystemTime::now(), rng)
        .await
        .expect("approve");
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned()
}
