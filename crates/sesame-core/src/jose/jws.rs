use serde_json::{Map, Value};

use super::{Algorithm, JoseError, JwkSet};

/// Tokens larger than this are refused before any decoding.
pub(crate) const MAX_TOKEN_LEN: usize = 64 * 1024;
/// How many candidate keys are tried for one token without a `kid`.
const MAX_CANDIDATES: usize = 8;

/// The protected header of a compact JWS.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The signature algorithm.
    pub alg: Algorithm,
    /// The key id, if any.
    pub kid: Option<String>,
    /// The media type of the token (`JWT`, `at+jwt`, …), if any.
    pub typ: Option<String>,
}

impl Header {
    /// Reads the header of a compact JWS without verifying anything, for
    /// example to learn which key to fetch. Never trust it further than that.
    pub fn peek(token: &str) -> Result<Self, JoseError> {
        let (header, _, _) = split(token)?;
        parse_header(header)
    }
}

/// A verified JWS: its header and payload bytes.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The verified protected header.
    pub header: Header,
    /// The verified payload.
    pub payload: Vec<u8>,
}

impl Verified {
    /// The payload as a JSON object (JWT claims).
    pub fn claims(&self) -> Result<Map<String, Value>, JoseError> {
        match serde_json::from_slice(&self.payload) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(JoseError::Malformed),
        }
    }
}

fn split(token: &str) -> Result<(&str, &str, &str), JoseError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JoseError::TooLarge);
    }
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() => Ok((h, p, s)),
        _ => Err(JoseError::Malformed),
    }
}

/// The header fields Sesame reads; a typed parse is cheaper than a map.
#[derive(serde::Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    crit: Option<Value>,
}

fn parse_header(encoded: &str) -> Result<Header, JoseError> {
    let raw = crate::base64url::decode(encoded).ok_or(JoseError::Malformed)?;
    let h: RawHeader = serde_json::from_slice(&raw).map_err(|_| JoseError::Malformed)?;
    if h.crit.is_some() {
        return Err(JoseError::UnsupportedCritical);
    }
    Ok(Header {
        alg: Algorithm::parse(&h.alg)?,
        kid: h.kid,
        typ: h.typ,
    })
}

/// Verifies a compact JWS against a key set, accepting only `allowed` algorithms.
///
/// ```
/// use sesame_core::jose::{verify, Algorithm, JwkSet, JoseError};
/// let keys = JwkSet::default();
/// // An unsigned token is refused before any key is looked at.
/// let unsigned = "eyJhbGciOiJub25lIn0.e30.";
/// assert_eq!(verify(unsigned, &keys, Algorithm::ASYMMETRIC).unwrap_err(), JoseError::AlgNone);
/// ```
pub fn verify(token: &str, keys: &JwkSet, allowed: &[Algorithm]) -> Result<Verified, JoseError> {
    let header = verify_signature(token, keys, allowed)?;
    let (_, p, _) = split(token)?;
    let payload = crate::base64url::decode(p).ok_or(JoseError::Malformed)?;
    Ok(Verified { header, payload })
}

/// Verifies only the signature of a compact JWS (header and signature are
/// parsed; the payload is left to the caller, who may already have decoded
/// it to choose the keys). Returns the verified header.
pub fn verify_signature(
    token: &str,
    keys: &JwkSet,
    allowed: &[Algorithm],
) -> Result<Header, JoseError> {
    let (h, p, s) = split(token)?;
    let header = parse_header(h)?;
    if !allowed.contains(&header.alg) {
        return Err(JoseError::AlgorithmNotAllowed);
    }
    let signature = crate::base64url::decode(s).ok_or(JoseError::Malformed)?;
    // The signing input is the first two parts exactly as received.
    let signing_input = token
        .get(..h.len() + 1 + p.len())
        .ok_or(JoseError::Malformed)?
        .as_bytes();

    let mut last = JoseError::NoCompatibleKey;
    for key in keys
        .candidates(header.kid.as_deref(), header.alg)?
        .into_iter()
        .take(MAX_CANDIDATES)
    {
        match key.verify(header.alg, signing_input, &signature) {
            Ok(()) => return Ok(header),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Decodes a compact JWS's payload as a JSON object, without verifying
/// anything (pair it with [`verify_signature`]).
pub fn unverified_claims(token: &str) -> Result<Map<String, Value>, JoseError> {
    let (_, p, _) = split(token)?;
    let bytes = crate::base64url::decode(p).ok_or(JoseError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(JoseError::Malformed),
    }
}
