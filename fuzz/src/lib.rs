//! Shared fixtures for Sesame's fuzz targets (see `fuzz_targets/`).
//!
//! Conventions of the targets' inputs, so that seed files stay readable:
//!
//! * [`mode`]: the first byte picks what the rest of the input is (an
//!   ASCII digit `0`–`9` picks that mode, any other byte `byte % n`).
//! * [`split`]: parts of one input are separated by a NUL byte.
//! * [`request`]: an HTTP request is `Name: value` lines, an empty line,
//!   then the body; without an empty line the whole input is the body of a
//!   form POST.
//! * Time is fixed ([`now`]) and randomness is seeded, so that a crash
//!   input replays the same way every time.
//!
//! Tokens that must carry a valid signature to reach the claim checks are
//! signed here, over bytes the fuzzer chooses, with an HS256 key that the
//! target's validator is configured to accept ([`sign_hs256`]): the fuzzer
//! mutates the claims, not a signature it could never forge.

use std::future::Future;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sesame_core::jose::{Algorithm, JwkSet, SigningKey, VerifyingKey};
use sesame_core::random::SeededRandom;
use sesame_core::seal::{Sealer, SealingKey};

/// The fixed clock of every target: 2023-11-14T22:13:20Z.
pub const NOW_SECS: u64 = 1_700_000_000;

/// The fixed clock of every target.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

/// The mode byte: see the module documentation. `None` for empty input.
pub fn mode(data: &[u8], n: u8) -> Option<(u8, &[u8])> {
    let (&first, rest) = data.split_first()?;
    let m = match first {
        b'0'..=b'9' => (first - b'0') % n,
        other => other % n,
    };
    Some((m, rest))
}

/// Splits at the first NUL byte (the second part is empty without one).
pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// The bytes as text, lossily (invalid UTF-8 becomes U+FFFD), so that
/// every input reaches the parser under test.
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// The application secret of the HS256 key the targets sign with.
pub const HS256_SECRET: &[u8] = b"sesame-fuzz-hs256-secret-32-bytes!";
/// Its key id.
pub const HS256_KID: &str = "fuzz-hs";

/// The signing half of the HS256 fixture key.
pub fn hs256_signer() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::hs256(HS256_SECRET, HS256_KID))
}

/// Signs `header_json` and `payload` (both chosen by the fuzzer) into a
/// compact JWS with the HS256 fixture key. The header is used as given: it
/// need not even say HS256.
pub fn sign_hs256(header_json: &[u8], payload: &[u8]) -> String {
    hs256_signer()
        .sign_parts(header_json, payload)
        .unwrap_or_default()
}

/// The public keys of RFC 7515 A.2 (RS256) and A.3 (ES256), as a JWKS
/// document (`crates/sesame-core/tests/vectors/rfc7515.json`, public parts).
pub const RFC7515_JWKS: &str = r#"{"keys":[
{"kty":"RSA","kid":"a2","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"},
{"kty":"EC","kid":"a3","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
]}"#;

/// RFC 7515 A.2's compact RS256 token (verifies with [`RFC7515_JWKS`]'s `a2`).
pub const RFC7515_RS256: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
/// RFC 7515 A.3's compact ES256 token (verifies with [`RFC7515_JWKS`]'s `a3`).
pub const RFC7515_ES256: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

/// The RFC 7515 keys, the HS256 fixture key (twice: with and without a
/// `kid`) and an Ed25519 key.
pub fn key_set() -> &'static JwkSet {
    static KEYS: OnceLock<JwkSet> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys: Vec<VerifyingKey> = JwkSet::parse(RFC7515_JWKS.as_bytes())
            .map(|s| s.keys().to_vec())
            .unwrap_or_default();
        keys.push(VerifyingKey::hmac(HS256_SECRET, Some(HS256_KID.into())));
        keys.push(VerifyingKey::hmac(HS256_SECRET, None));
        if let Some(k) = ed25519_signer().verifying_key() {
            keys.push(k);
        }
        JwkSet::from_keys(keys)
    })
}

/// Every algorithm, HS256 included (the targets' allow-list).
pub const ALL_ALGORITHMS: &[Algorithm] = &[
    Algorithm::HS256,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// A deterministic Ed25519 signing key (Ed25519 signatures are
/// deterministic too, so tokens it signs are the same on every run).
pub fn ed25519_signer() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(ed25519_key)
}

/// A fresh copy of the deterministic Ed25519 key (kid `fuzz-ed25519`).
pub fn ed25519_key() -> SigningKey {
    use ring::signature::KeyPair as _;
    let seed = [7u8; 32];
    let pair = ring::signature::Ed25519KeyPair::from_seed_unchecked(&seed).expect("ed25519 seed");
    let b = |bytes: &[u8]| sesame_core::base64url::encode(bytes);
    let jwk = serde_json::json!({
        "kty": "OKP", "crv": "Ed25519",
        "d": b(&seed), "x": b(pair.public_key().as_ref()),
    });
    SigningKey::from_jwk(&jwk, "fuzz-ed25519").expect("ed25519 jwk")
}

/// A sealer with a fixed key.
pub fn sealer() -> Sealer {
    Sealer::new(SealingKey::from_bytes([42; 32]))
}

/// A seeded generator (deterministic; tests only).
pub fn rng() -> SeededRandom {
    SeededRandom::new(1)
}

/// An `http::Response` from fuzz bytes: two bytes of status (folded into
/// 100–999), one byte of flags (bit 0: `Content-Type: application/json`,
/// bit 1: `application/x-www-form-urlencoded`), then the body.
pub fn response(data: &[u8]) -> http::Response<Vec<u8>> {
    let (status, flags, body) = match data {
        [a, b, f, rest @ ..] => (u16::from_be_bytes([*a, *b]), *f, rest),
        _ => (200, 0, data),
    };
    let status = 100 + status % 900;
    let mut b = http::Response::builder().status(status);
    if flags & 1 != 0 {
        b = b.header(http::header::CONTENT_TYPE, "application/json");
    }
    if flags & 2 != 0 {
        b = b.header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        );
    }
    b.body(body.to_vec())
        .unwrap_or_else(|_| http::Response::new(body.to_vec()))
}

/// Headers from `Name: value` lines (invalid lines are skipped; names may
/// repeat).
pub fn headers(lines: &[u8]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for line in lines.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        let value = value.strip_prefix(b" ").unwrap_or(value);
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name),
            http::HeaderValue::from_bytes(value),
        ) {
            map.append(n, v);
        }
    }
    map
}

/// A request to `path` from fuzz bytes: `Name: value` lines, an empty line
/// (`\n\n`), then the body. Without an empty line the input is the whole
/// body, with `Content-Type: application/x-www-form-urlencoded`.
pub fn request(method: http::Method, path: &str, data: &[u8]) -> http::Request<Vec<u8>> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (headers(&data[..i]), &data[i + 2..]),
        None => {
            let mut h = http::HeaderMap::new();
            h.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
            (h, data)
        }
    };
    let mut req = http::Request::new(body.to_vec());
    *req.method_mut() = method;
    *req.uri_mut() = http::Uri::try_from(path).unwrap_or_default();
    *req.headers_mut() = head;
    req
}

/// Runs a future that never waits (the server's [`MemoryStore`](sesame_server::MemoryStore)
/// and [`StaticUsers`](sesame_server::StaticUsers) answer at once) to completion
/// on this thread. Panics if it is still pending after many polls: that
/// would mean the server waits on something, which these fixtures never make it do.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("future still pending after 1000 polls");
}

pub mod client;
pub mod server;
