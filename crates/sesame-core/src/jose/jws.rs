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

fn parse_header(encoded: &str) -> Result<Header, JoseError> {
    let raw = crate::b64::decode(encoded).ok_or(JoseError::Malformed)?;
    let obj: Map<String, Value> = match serde_json::from_slice(&raw) {
        Ok(Value::Object(m)) => m,
        _ => return Err(JoseError::Malformed),
    };
    if obj.contains_key("crit") {
        return Err(JoseError::UnsupportedCritical);
    }
    let alg = obj
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(JoseError::Malformed)?;
    let alg = Algorithm::parse(alg)?;
    let opt_str = |name: &str| -> Result<Option<String>, JoseError> {
        match obj.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(JoseError::Malformed),
        }
    };
    Ok(Header {
        alg,
        kid: opt_str("kid")?,
        typ: opt_str("typ")?,
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
    let (h, p, s) = split(token)?;
    let header = parse_header(h)?;
    if !allowed.contains(&header.alg) {
        return Err(JoseError::AlgorithmNotAllowed);
    }
    let signature = crate::b64::decode(s).ok_or(JoseError::Malformed)?;
    let payload = crate::b64::decode(p).ok_or(JoseError::Malformed)?;
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
            Ok(()) => return Ok(Verified { header, payload }),
            Err(e) => last = e,
        }
    }
    Err(last)
}
