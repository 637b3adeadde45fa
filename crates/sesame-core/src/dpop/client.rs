//! The client's side of a request: adding the proof and the token, and
//! reading a server's nonce (RFC 9449 §7, §8, §9).

use std::time::SystemTime;

use super::{DpopError, ProofKey};
use crate::random::Random;

/// The longest nonce a client accepts from a server, in bytes.
const MAX_NONCE_LEN: usize = 512;

/// Makes `request` a DPoP-authorized request to a resource server (RFC 9449
/// §7.1): sets `Authorization: DPoP <access_token>` (marked sensitive) and
/// a `DPoP` header with a fresh proof for the request's method and URI that
/// hashes the token (`ath`) and carries `nonce` when the server asked for
/// one. Any previous `Authorization` and `DPoP` headers are replaced.
///
/// The request's URI must be absolute (`https://api.example.com/orders`).
/// When the server answers with a nonce refusal ([`nonce_retry`]), send the
/// request again with a new proof carrying that nonce.
///
/// ```
/// use std::time::SystemTime;
/// use sesame_core::dpop::{authorize_request, ProofKey, ProofPolicy};
/// use sesame_core::jose::Algorithm;
/// use sesame_core::random::SeededRandom;
///
/// let key = ProofKey::generate(Algorithm::ES256).unwrap();
/// let now = SystemTime::now();
/// let mut request = http::Request::get("https://api.example.com/orders?page=2")
///     .body(Vec::new())
///     .unwrap();
/// authorize_request(&mut request, &key, "the-access-token", now, &SeededRandom::new(1), None).unwrap();
/// assert_eq!(request.headers()["authorization"], "DPoP the-access-token");
///
/// // What the resource server checks.
/// let proof = request.headers()["dpop"].to_str().unwrap();
/// let uri: url::Url = "https://api.example.com/orders".parse().unwrap();
/// let checked = ProofPolicy::default()
///     .check(proof, &http::Method::GET, &uri, now, Some("the-access-token"), |_| false)
///     .unwrap();
/// assert_eq!(checked.jkt(), key.thumbprint());
/// ```
pub fn authorize_request(
    request: &mut http::Request<Vec<u8>>,
    key: &ProofKey,
    access_token: &str,
    now: SystemTime,
    rng: &dyn Random,
    nonce: Option<&str>,
) -> Result<(), DpopError> {
    let htu = url::Url::parse(&request.uri().to_string()).map_err(|_| DpopError::InvalidUri)?;
    let proof = key.proof(request.method(), &htu, now, rng, Some(access_token), nonce)?;
    let mut authorization =
        http::HeaderValue::from_str(&format!("{} {access_token}", super::SCHEME))
            .map_err(|_| DpopError::InvalidAccessToken)?;
    authorization.set_sensitive(true);
    let proof = http::HeaderValue::from_str(&proof).map_err(|_| DpopError::SigningFailed)?;
    let headers = request.headers_mut();
    headers.insert(http::header::AUTHORIZATION, authorization);
    headers.insert(super::DPOP_HEADER, proof);
    Ok(())
}

/// The `DPoP-Nonce` a response carries, when it is a well-formed nonce
/// (RFC 9449 §8.1: one or more `NQCHAR`s; at most 512 bytes here). A
/// client keeps the latest one per server and puts it into its next proofs.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// assert_eq!(sesame_core::dpop::response_nonce(&headers), None);
/// headers.insert("DPoP-Nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v".parse().unwrap());
/// assert_eq!(sesame_core::dpop::response_nonce(&headers), Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"));
/// headers.insert("DPoP-Nonce", "two words".parse().unwrap());
/// assert_eq!(sesame_core::dpop::response_nonce(&headers), None);
/// ```
pub fn response_nonce(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(super::DPOP_NONCE_HEADER)?.to_str().ok()?;
    let nqchar = |b: u8| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b);
    (!value.is_empty() && value.len() <= MAX_NONCE_LEN && value.bytes().all(nqchar))
        .then_some(value)
}

/// The nonce to retry with, when `response` refuses a proof for the lack
/// of a (current) nonce and provides one: a `use_dpop_nonce` error with a
/// `DPoP-Nonce` header, either from an authorization server (400 with a
/// JSON `error`, RFC 9449 §8) or from a resource server (401 with
/// `WWW-Authenticate: DPoP error="use_dpop_nonce"`, RFC 9449 §9).
///
/// Retry once: a second refusal means the server will not take the proof.
///
/// ```
/// let refusal = http::Response::builder()
///     .status(401)
///     .header("www-authenticate", r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#)
///     .header("dpop-nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v")
///     .body(Vec::new())
///     .unwrap();
/// assert_eq!(sesame_core::dpop::nonce_retry(&refusal), Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"));
///
/// let token_endpoint = http::Response::builder()
///     .status(400)
///     .header("dpop-nonce", "n-2")
///     .body(br#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}"#.to_vec())
///     .unwrap();
/// assert_eq!(sesame_core::dpop::nonce_retry(&token_endpoint), Some("n-2"));
/// ```
pub fn nonce_retry(response: &http::Response<Vec<u8>>) -> Option<&str> {
    let nonce = response_nonce(response.headers())?;
    let code = super::DpopErrorCode::UseDpopNonce.as_str();
    let refused = match response.status().as_u16() {
        400 => crate::http_util::json_object(response.body())
            .and_then(|m| m.get("error").and_then(|e| e.as_str().map(|e| e == code)))
            .unwrap_or(false),
        401 => response
            .headers()
            .get_all(http::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| challenges_nonce(v, code)),
        _ => false,
    };
    refused.then_some(nonce)
}

/// Whether a `WWW-Authenticate` value holds a `DPoP` challenge whose
/// `error` is `code` (quoted or not).
fn challenges_nonce(value: &str, code: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    // The scheme is a token of its own: at the start, or after a space or a
    // comma, and followed by a space, a comma or the end.
    let scheme_at = lower.match_indices("dpop").map(|(i, _)| i).find(|&i| {
        let before = i.checked_sub(1).and_then(|j| bytes.get(j)).copied();
        let after = bytes.get(i + 4).copied();
        matches!(before, None | Some(b' ' | b',')) && matches!(after, None | Some(b' ' | b','))
    });
    let Some(at) = scheme_at else {
        return false;
    };
    let after_scheme = lower.get(at + 4..).unwrap_or("");
    // Up to the next challenge's scheme, if any: only DPoP's parameters count.
    let params = after_scheme.split("bearer ").next().unwrap_or("");
    params.contains(&format!("error=\"{code}\"")) || params.contains(&format!("error={code}"))
}

#[cfg(test)]
mod tests {
    use super::challenges_nonce;

    #[test]
    fn only_the_dpop_challenge_counts() {
        let code = "use_dpop_nonce";
        assert!(challenges_nonce(r#"DPoP error="use_dpop_nonce""#, code));
        assert!(challenges_nonce(
            r#"Bearer realm="x", DPoP error=use_dpop_nonce"#,
            code
        ));
        assert!(!challenges_nonce(r#"Bearer error="use_dpop_nonce""#, code));
        assert!(!challenges_nonce(r#"DPoP error="invalid_token""#, code));
        assert!(!challenges_nonce(
            r#"DPoP algs="ES256", Bearer error="use_dpop_nonce""#,
            code
        ));
    }
}
