use std::borrow::Cow;

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
        let mut scratch = Scratch::new();
        Ok(parse_header(header, &mut scratch)?.to_owned())
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
    let (h, rest) = token.split_once('.').ok_or(JoseError::Malformed)?;
    let (p, s) = rest.split_once('.').ok_or(JoseError::Malformed)?;
    if h.is_empty() || s.contains('.') {
        return Err(JoseError::Malformed);
    }
    Ok((h, p, s))
}

/// The header fields Sesame reads, borrowed from the decoded header
/// where they have no escapes; a typed parse is cheaper than a map.
#[derive(serde::Deserialize)]
pub(crate) struct RawHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(default, borrow)]
    kid: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    typ: Option<Cow<'a, str>>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

/// A checked header, borrowed from its decoded bytes.
pub(crate) struct HeaderRef<'a> {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<Cow<'a, str>>,
    pub(crate) typ: Option<Cow<'a, str>>,
}

impl HeaderRef<'_> {
    fn to_owned(&self) -> Header {
        Header {
            alg: self.alg,
            kid: self.kid.as_deref().map(str::to_owned),
            typ: self.typ.as_deref().map(str::to_owned),
        }
    }
}

/// Room on the stack for a decoded header or signature; larger ones
/// (never seen in practice) go to the heap.
pub(crate) struct Scratch([u8; 576]);

impl Scratch {
    pub(crate) fn new() -> Self {
        Self([0; 576])
    }

    /// Decodes base64url into the scratch space, or onto the heap when it
    /// does not fit.
    fn decode<'b>(&'b mut self, text: &str) -> Option<Cow<'b, [u8]>> {
        if text.len() / 4 * 3 + 3 <= self.0.len() {
            let n = crate::base64url::decode_into(text, &mut self.0)?;
            self.0.get(..n).map(Cow::Borrowed)
        } else {
            crate::base64url::decode(text).map(Cow::Owned)
        }
    }
}

fn parse_header<'b>(encoded: &str, scratch: &'b mut Scratch) -> Result<HeaderRef<'b>, JoseError> {
    let raw = scratch.decode(encoded).ok_or(JoseError::Malformed)?;
    let raw = match raw {
        Cow::Borrowed(b) => b,
        // Only for headers too large for the scratch space.
        Cow::Owned(v) => return parse_owned_header(&v),
    };
    // One UTF-8 check for the whole header, then a parse that need not
    // check each string again.
    let text = std::str::from_utf8(raw).map_err(|_| JoseError::Malformed)?;
    let h: RawHeader<'b> = serde_json::from_str(text).map_err(|_| JoseError::Malformed)?;
    if h.crit.is_some() {
        return Err(JoseError::UnsupportedCritical);
    }
    Ok(HeaderRef {
        alg: Algorithm::parse(&h.alg)?,
        kid: h.kid,
        typ: h.typ,
    })
}

fn parse_owned_header<'b>(raw: &[u8]) -> Result<HeaderRef<'b>, JoseError> {
    let h: RawHeader<'_> = serde_json::from_slice(raw).map_err(|_| JoseError::Malformed)?;
    if h.crit.is_some() {
        return Err(JoseError::UnsupportedCritical);
    }
    Ok(HeaderRef {
        alg: Algorithm::parse(&h.alg)?,
        kid: h.kid.map(|k| Cow::Owned(k.into_owned())),
        typ: h.typ.map(|t| Cow::Owned(t.into_owned())),
    })
}

/// The three parts of a compact JWS, split once.
#[derive(Clone, Copy)]
pub(crate) struct Parts<'t> {
    token: &'t str,
    header: &'t str,
    /// The payload, still base64url.
    pub(crate) payload: &'t str,
    signature: &'t str,
}

impl<'t> Parts<'t> {
    pub(crate) fn split(token: &'t str) -> Result<Self, JoseError> {
        let (header, payload, signature) = split(token)?;
        Ok(Self {
            token,
            header,
            payload,
            signature,
        })
    }

    /// The payload, decoded.
    pub(crate) fn decode_payload(&self) -> Result<Vec<u8>, JoseError> {
        crate::base64url::decode(self.payload).ok_or(JoseError::Malformed)
    }

    /// Checks the header against `allowed` and the signature against
    /// `keys`; the verified header, borrowed from `scratch`.
    pub(crate) fn verify<'b>(
        &self,
        keys: &JwkSet,
        allowed: &[Algorithm],
        scratch: &'b mut Scratch,
    ) -> Result<HeaderRef<'b>, JoseError> {
        let header = parse_header(self.header, scratch)?;
        if !allowed.contains(&header.alg) {
            return Err(JoseError::AlgorithmNotAllowed);
        }
        // The signing input is the first two parts exactly as received.
        let signing_input = self
            .token
            .get(..self.header.len() + 1 + self.payload.len())
            .ok_or(JoseError::Malformed)?
            .as_bytes();
        let mut signature_space = Scratch::new();
        let signature = signature_space
            .decode(self.signature)
            .ok_or(JoseError::Malformed)?;
        let mut outcome = Err(JoseError::NoCompatibleKey);
        for key in keys
            .candidates_iter(header.kid.as_deref(), header.alg)?
            .take(MAX_CANDIDATES)
        {
            outcome = key.verify(header.alg, signing_input, &signature);
            if outcome.is_ok() {
                break;
            }
        }
        outcome.map(|()| header)
    }
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
    let parts = Parts::split(token)?;
    let mut scratch = Scratch::new();
    let header = parts.verify(keys, allowed, &mut scratch)?.to_owned();
    let payload = parts.decode_payload()?;
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
    let parts = Parts::split(token)?;
    let mut scratch = Scratch::new();
    Ok(parts.verify(keys, allowed, &mut scratch)?.to_owned())
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
