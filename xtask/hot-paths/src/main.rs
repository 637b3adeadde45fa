//! Runs one of the core's hot paths `n` times: `hot-paths <path> <n>`.
//!
//! `cargo xtask bench --instructions` runs each path under `valgrind
//! --tool=callgrind` with `n = 0` and with `n = N` and divides the
//! difference by `N`: the instructions one operation costs, setup
//! excluded. Instruction counts do not depend on the machine's load, so a
//! committed baseline (`baseline.json`) guards against regressions where
//! timings would be noise. Everything is deterministic: a fixed clock and
//! a seeded generator; the provider's tokens are signed once, in setup.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use sesame_core::client::{CallbackParams, Client, ClientConfig, Exchange as _, Step};
use sesame_core::discovery::ProviderMetadata;
use sesame_core::idtoken::IdTokenValidator;
use sesame_core::jose::{Algorithm, JwkSet, SigningKey, VerifyingKey};
use sesame_core::provider::Provider;
use sesame_core::random::SeededRandom;
use sesame_core::resource::{BearerValidator, TrustedIssuer};
use sesame_core::seal::{Sealer, SealingKey};

const ISS: &str = "https://op.example";
const AUD: &str = "https://api.example";
const CLIENT_ID: &str = "client-1";

/// The paths, in the order the guard reports them.
pub const PATHS: &[&str] = &[
    "seal-open",
    "bearer-rs256",
    "bearer-es256",
    "id-token-hs256",
    "callback",
    "login-oauth2",
    "sign-es256-access-token",
];

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn vectors() -> Value {
    serde_json::from_str(include_str!(
        "../../../crates/sesame-core/tests/vectors/rfc7515.json"
    ))
    .unwrap_or(Value::Null)
}

fn key(name: &str) -> Result<SigningKey, String> {
    SigningKey::from_jwk(&vectors()[name]["jwk"], "k1").map_err(|e| e.to_string())
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn jwks(key: &SigningKey) -> Result<JwkSet, String> {
    let doc = json!({"keys": [key.public_jwk()]});
    JwkSet::parse(doc.to_string().as_bytes()).map_err(|e| e.to_string())
}

fn access_token(key: &SigningKey) -> Result<String, String> {
    let t = 1_700_000_000u64;
    let claims = json!({"iss": ISS, "sub": "user-1", "aud": AUD, "exp": t + 3600, "iat": t,
        "jti": "j1", "client_id": "c", "scope": "api:read", "role": "admin"});
    key.sign_claims(Some("at+jwt"), &obj(claims))
        .map_err(|e| e.to_string())
}

fn bearer(name: &str, n: u64) -> Result<(), String> {
    let key = key(name)?;
    let token = access_token(&key)?;
    let keys = jwks(&key)?;
    let validator = BearerValidator::new().issuer(TrustedIssuer::new(
        ISS,
        "https://op.example/jwks".parse().map_err(|_| "url")?,
        AUD,
    ));
    for _ in 0..n {
        validator
            .validate(black_box(&token), &keys, now())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn seal_open(n: u64) -> Result<(), String> {
    let sealer = Sealer::new(SealingKey::from_bytes([7; 32]));
    let rng = SeededRandom::new(1);
    let payload = [b'x'; 200];
    for _ in 0..n {
        let sealed = sealer
            .seal("hot-path", black_box(&payload), now(), &rng)
            .map_err(|e| e.to_string())?;
        sealer
            .open("hot-path", &sealed, now())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn id_token_hs256(n: u64) -> Result<(), String> {
    let secret = b"a channel secret of the LINE kind";
    let key = SigningKey::hs256(secret, "k1");
    let t = 1_700_000_000u64;
    let claims = json!({"iss": ISS, "sub": "user-1", "aud": CLIENT_ID, "exp": t + 300, "iat": t, "nonce": "n-1"});
    let token = key
        .sign_claims(Some("JWT"), &obj(claims))
        .map_err(|e| e.to_string())?;
    let keys = JwkSet::from_keys(vec![VerifyingKey::hmac(secret, Some("k1".into()))]);
    let mut validator = IdTokenValidator::new(ISS, CLIENT_ID).nonce("n-1");
    validator.algorithms = vec![Algorithm::HS256];
    for _ in 0..n {
        validator
            .validate(black_box(&token), &keys, now(), None)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn json_response(body: Value) -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(body.to_string().into_bytes());
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

/// A whole login after the redirect, without I/O: start (URL, sealed
/// pending login), the callback's checks, the token response, the ID
/// token's validation, userinfo, the identity.
fn callback(n: u64) -> Result<(), String> {
    let key = key("a2_rs256")?;
    let keys = jwks(&key)?;
    let meta_doc = json!({
        "issuer": ISS,
        "authorization_endpoint": format!("{ISS}/authorize"),
        "token_endpoint": format!("{ISS}/token"),
        "userinfo_endpoint": format!("{ISS}/userinfo"),
        "jwks_uri": format!("{ISS}/jwks"),
        "authorization_response_iss_parameter_supported": true,
        "code_challenge_methods_supported": ["S256"],
    });
    let meta = Arc::new(
        ProviderMetadata::from_json(ISS, meta_doc.to_string().as_bytes())
            .map_err(|e| e.to_string())?,
    );
    let client = Client::new(
        Provider::openid("op", "OP", ISS).map_err(|e| e.to_string())?,
        ClientConfig::new(
            CLIENT_ID,
            "https://app.example/auth/op/callback"
                .parse()
                .map_err(|_| "url")?,
        )
        .secret("s3cret"),
    )
    .map_err(|e| e.to_string())?;
    let sealer = Sealer::new(SealingKey::from_bytes([9; 32]));
    // The same seed every time: the same state and nonce, so the provider's
    // ID token is signed once, here.
    let probe = client
        .begin(&meta, Some("/home"), now(), &SeededRandom::new(5))
        .map_err(|e| e.to_string())?;
    let param = |name: &str| {
        probe
            .url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (state, nonce) = (param("state"), param("nonce"));
    let t = 1_700_000_000u64;
    let id_token = key
        .sign_claims(
            Some("JWT"),
            &obj(
                json!({"iss": ISS, "sub": "user-1", "aud": CLIENT_ID, "exp": t + 300, "iat": t,
                "nonce": nonce, "email": "ada@example.com", "email_verified": true, "name": "Ada"}),
            ),
        )
        .map_err(|e| e.to_string())?;
    let token_body = json!({"access_token": "at-123", "token_type": "Bearer", "expires_in": 3600,
        "refresh_token": "rt-1", "scope": "openid email profile", "id_token": id_token});
    let userinfo =
        json!({"sub": "user-1", "email": "ada@example.com", "email_verified": true, "name": "Ada"});
    let query = format!("code=the-code&state={state}&iss=https%3A%2F%2Fop.example");
    for _ in 0..n {
        let auth = client
            .begin(&meta, Some("/home"), now(), &SeededRandom::new(5))
            .map_err(|e| e.to_string())?;
        let cookie = auth
            .pending
            .seal(&sealer, now(), &SeededRandom::new(6))
            .map_err(|e| e.to_string())?;
        let pending = sesame_core::client::PendingLogin::open(&sealer, Some(&cookie), now())
            .map_err(|e| e.to_string())?;
        let params = CallbackParams::from_query(black_box(&query)).map_err(|e| e.to_string())?;
        let (mut exchange, _request) = client
            .callback(
                Arc::clone(&meta),
                &params,
                pending,
                now(),
                &SeededRandom::new(7),
            )
            .map_err(|e| e.to_string())?;
        let mut step = exchange
            .on_response(json_response(token_body.clone()), now())
            .map_err(|e| e.to_string())?;
        let login = loop {
            step = match step {
                Step::NeedKeys(_) => exchange.on_keys(&keys, now()).map_err(|e| e.to_string())?,
                Step::Send(_) => exchange
                    .on_response(json_response(userinfo.clone()), now())
                    .map_err(|e| e.to_string())?,
                Step::Done(login) => break login,
            };
        };
        black_box(login);
    }
    Ok(())
}

/// A whole plain OAuth 2.0 login through `LoginService`, as the login
/// benchmark's app runs it, without I/O: the login route (PKCE, sealed
/// pending login, the redirect and its cookie), then the callback (cookie
/// found and opened, checks, the token request, the token response, the
/// userinfo request and response, the identity).
fn login_oauth2(n: u64) -> Result<(), String> {
    use sesame_core::login::LoginService;
    use sesame_core::provider::ApiCall;
    let provider = Provider::oauth2(
        "mock",
        "Mock IdP",
        "http://127.0.0.1:9000/authorize",
        "http://127.0.0.1:9000/token",
    )
    .map_err(|e| e.to_string())?
    .scopes(["profile", "email"])
    .userinfo_url("http://127.0.0.1:9000/userinfo")
    .map_err(|e| e.to_string())?
    .call(ApiCall::userinfo());
    let config = ClientConfig::new(
        CLIENT_ID,
        "http://127.0.0.1:8000/callback"
            .parse()
            .map_err(|_| "url")?,
    )
    .secret("s3cret");
    let client = Client::new(provider, config).map_err(|e| e.to_string())?;
    let meta = Arc::clone(
        client
            .provider()
            .static_metadata()
            .ok_or("no static metadata")?,
    );
    let service = LoginService::new(Sealer::new(SealingKey::from_bytes([9; 32])))
        .insecure_cookies()
        .provider(client);
    let token_body = json!({"access_token": "at-123", "token_type": "Bearer", "expires_in": 3600});
    let userinfo =
        json!({"sub": "user-1", "email": "ada@example.com", "email_verified": true, "name": "Ada"});
    let rng = SeededRandom::new(5);
    for _ in 0..n {
        let (_start, step) = service
            .begin("mock", &meta, None, now(), &rng)
            .map_err(|e| e.to_string())?;
        let Step::Done(redirect) = step else {
            return Err("the login pushed its request".into());
        };
        let response = black_box(redirect.to_response());
        let set_cookie = response
            .headers()
            .get(http::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let cookie = set_cookie.split(';').next().unwrap_or_default().to_owned();
        let query = format!("code=the-code&state={}", redirect.state);
        let params = sesame_core::login::callback_params(Some(black_box(&query)), None)
            .map_err(|e| e.to_string())?;
        let start = service.callback(
            "mock",
            Arc::clone(&meta),
            &params,
            [cookie.as_str()],
            now(),
            &rng,
        );
        let (mut exchange, request) = start.result.map_err(|e| e.to_string())?;
        black_box(request);
        let mut step = exchange
            .on_response(json_response(token_body.clone()), now())
            .map_err(|e| e.to_string())?;
        let login = loop {
            step = match step {
                Step::NeedKeys(_) => return Err("a plain OAuth 2.0 login asked for keys".into()),
                Step::Send(request) => {
                    black_box(request);
                    exchange
                        .on_response(json_response(userinfo.clone()), now())
                        .map_err(|e| e.to_string())?
                }
                Step::Done(login) => break login,
            };
        };
        black_box(serde_json::to_vec(&login.identity).map_err(|e| e.to_string())?);
        black_box(start.clear_cookie);
    }
    Ok(())
}

fn sign_es256(n: u64) -> Result<(), String> {
    let key = key("a3_es256")?;
    for _ in 0..n {
        black_box(access_token(&key)?);
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_default();
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let result = match path.as_str() {
        "seal-open" => seal_open(n),
        "bearer-rs256" => bearer("a2_rs256", n),
        "bearer-es256" => bearer("a3_es256", n),
        "id-token-hs256" => id_token_hs256(n),
        "callback" => callback(n),
        "login-oauth2" => login_oauth2(n),
        "sign-es256-access-token" => sign_es256(n),
        "list" => {
            println!("{}", PATHS.join("\n"));
            Ok(())
        }
        other => Err(format!(
            "unknown path {other:?}; one of: {}",
            PATHS.join(", ")
        )),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hot-paths: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
