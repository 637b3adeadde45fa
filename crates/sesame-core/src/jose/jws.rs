use std::borrow::Cow;

use serde_json::{Map, Value};

use super::scan::{self, Found};
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
    if let Some(h) = simple_header(text) {
        return Ok(HeaderRef {
            alg: Algorithm::parse(h.alg)?,
            kid: h.kid.map(Cow::Borrowed),
            typ: h.typ.map(Cow::Borrowed),
        });
    }
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

/// The members of a header read by [`simple_header`].
struct SimpleHeader<'a> {
    alg: &'a str,
    kid: Option<&'a str>,
    typ: Option<&'a str>,
}

/// The common header (`{"alg":"RS256","kid":"…","typ":"JWT"}`: its
/// members strings without escapes) read by [`scan::object`] rather than
/// a general JSON parser. `None` for anything else: an escaped or
/// non-string `alg`, `kid` or `typ`, `crit`, a member given twice, no
/// `alg`, or whatever the scanner declines. The caller then parses the
/// header with serde_json, which decides (and reports) those cases
/// exactly as before; whatever this accepts, serde_json reads the same way.
fn simple_header(text: &str) -> Option<SimpleHeader<'_>> {
    let (mut alg, mut kid, mut typ) = (None, None, None);
    scan::object(text, |key, value| {
        let slot = match key {
            "alg" => &mut alg,
            "kid" => &mut kid,
            "typ" => &mut typ,
            "crit" => return None,
            _ => return Some(()),
        };
        let Found::Str(value) = value else {
            return None;
        };
        slot.replace(value).is_none().then_some(())
    })?;
    Some(SimpleHeader {
        alg: alg?,
        kid,
        typ,
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
        // HMAC and ECDSA signatures fit in a little stack space; RSA ones
        // take the scratch space.
        let mut short = [0u8; 96];
        let mut signature_space;
        let decoded;
        let signature: &[u8] = if self.signature.len() <= 128 {
            let n = crate::base64url::decode_into(self.signature, &mut short)
                .ok_or(JoseError::Malformed)?;
            short.get(..n).ok_or(JoseError::Malformed)?
        } else {
            signature_space = Scratch::new();
            decoded = signature_space
                .decode(self.signature)
                .ok_or(JoseError::Malformed)?;
            &decoded
        };
        let mut outcome = Err(JoseError::NoCompatibleKey);
        for key in keys
            .candidates_iter(header.kid.as_deref(), header.alg)?
            .take(MAX_CANDIDATES)
        {
            outcome = key.verify(header.alg, signing_input, signature);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde_json makes of a header, for comparison.
    fn by_serde(text: &str) -> Option<(String, Option<String>, Option<String>)> {
        let h: RawHeader<'_> = serde_json::from_str(text).ok()?;
        if h.crit.is_some() {
            return None;
        }
        Some((
            h.alg.into_owned(),
            h.kid.map(Cow::into_owned),
            h.typ.map(Cow::into_owned),
        ))
    }

    #[test]
    fn the_simple_header_reader_agrees_with_serde_json_or_declines() {
        let cases = [
            r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#,
            r#"{"alg":"HS256"}"#,
            r#" { "typ" : "at+jwt" , "alg" : "ES256" } "#,
            "{\"alg\":\"RS256\",\n\t\"kid\":\"k\u{e9}\u{4e2d}\"}\r\n",
            r#"{"alg":"RS256","x5t":"abc","cty":"JWT"}"#,
            r#"{"alg":"RS256","x":"1","x":"2"}"#,
            r#"{"alg":"RS256","alg":"HS256"}"#,
            r#"{"alg":"RS256","kid":"a","kid":"b"}"#,
            r#"{"alg":"RS\u0032\u0035\u0036"}"#,
            r#"{"alg":"RS256","kid":"a\"b"}"#,
            r#"{"alg":"RS256","crit":["exp"]}"#,
            r#"{"alg":"RS256","crit":null}"#,
            r#"{"alg":"RS256","kid":null}"#,
            r#"{"alg":"RS256","jwk":{"kty":"EC"}}"#,
            r#"{"alg":"RS256","b64":false}"#,
            r#"{"alg":"RS256"} x"#,
            r#"{"alg":"RS256"}}"#,
            r#"{"alg":"RS256",}"#,
            r#"{"alg" "RS256"}"#,
            r#"{"kid":"k1"}"#,
            r#"{}"#,
            r#"[]"#,
            "",
            r#"{"alg":"RS256""#,
            r#"{"alg":"RS256"#,
            "{\"alg\":\"RS\u{1}256\"}",
            "{\"alg\":\"RS256\",\"kid\":\"\u{7f}\"}",
        ];
        for text in cases {
            // Declined (None): serde_json decides, as before.
            if let Some(h) = simple_header(text) {
                let ours = (
                    h.alg.to_owned(),
                    h.kid.map(str::to_owned),
                    h.typ.map(str::to_owned),
                );
                assert_eq!(Some(ours), by_serde(text), "{text:?}");
            }
        }
        // The common shapes do take the short path.
        for text in &cases[..5] {
            assert!(simple_header(text).is_some(), "{text:?}");
        }
    }

    #[test]
    fn a_header_is_parsed_the_same_on_either_path() {
        let mut scratch = Scratch::new();
        let encoded = crate::base64url::encode(r#"{"alg":"ES256","kid":"k1","typ":"dpop+jwt"}"#);
        let h = parse_header(&encoded, &mut scratch).unwrap();
        assert_eq!(h.alg, Algorithm::ES256);
        assert_eq!(h.kid.as_deref(), Some("k1"));
        assert_eq!(h.typ.as_deref(), Some("dpop+jwt"));
        let mut scratch = Scratch::new();
        let escaped = crate::base64url::encode(r#"{"alg":"ES256","kid":"k\u0031"}"#);
        let h = parse_header(&escaped, &mut scratch).unwrap();
        assert_eq!(h.kid.as_deref(), Some("k1"));
        let mut scratch = Scratch::new();
        let critical = crate::base64url::encode(r#"{"alg":"ES256","crit":["b64"],"b64":false}"#);
        assert!(matches!(
            parse_header(&critical, &mut scratch),
            Err(JoseError::UnsupportedCritical)
        ));
        let mut scratch = Scratch::new();
        let unknown = crate::base64url::encode(r#"{"alg":"none"}"#);
        assert!(parse_header(&unknown, &mut scratch).is_err());
    }
}
