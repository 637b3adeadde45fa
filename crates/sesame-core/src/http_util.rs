//! Small helpers for building and reading `http` values.

use url::Url;

pub(crate) const USER_AGENT: &str = concat!("sesame/", env!("CARGO_PKG_VERSION"));
/// Response bodies larger than this are refused by the parsers.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

fn builder(method: http::Method, url: &Url) -> http::request::Builder {
    http::Request::builder()
        .method(method)
        .uri(url.as_str())
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::USER_AGENT, USER_AGENT)
}

pub(crate) fn get(url: &Url) -> http::Request<Vec<u8>> {
    request(http::Method::GET, url, &[], None)
}

/// Builds a request. A `Url` always parses as a `Uri`, and header values are
/// validated beforehand by the callers, so failures fall back to a bare request.
pub(crate) fn request(
    method: http::Method,
    url: &Url,
    headers: &[(http::HeaderName, http::HeaderValue)],
    body: Option<(&str, Vec<u8>)>,
) -> http::Request<Vec<u8>> {
    let mut b = builder(method, url);
    if let Some(h) = b.headers_mut() {
        // Provider headers replace the defaults (GitHub's own `Accept`).
        for (k, v) in headers {
            h.insert(k, v.clone());
        }
    }
    let body = match body {
        Some((ct, bytes)) => {
            b = b.header(http::header::CONTENT_TYPE, ct);
            bytes
        }
        None => Vec::new(),
    };
    b.body(body)
        .unwrap_or_else(|_| http::Request::new(Vec::new()))
}

pub(crate) fn form_encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish().into_bytes()
}

/// HTTP Basic credentials per RFC 6749 §2.3.1: both parts form-urlencoded first.
pub(crate) fn basic_auth(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(user), enc(password));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// Why a query string or form body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// Longer than the accepted maximum.
    #[error("parameters too large")]
    TooLarge,
    /// Bad percent-encoding or not UTF-8.
    #[error("parameters are not valid utf-8")]
    InvalidEncoding,
    /// A parameter appears more than once (RFC 6749 §3.1).
    #[error("parameter {0} is repeated")]
    Duplicate(String),
}

/// Parses `application/x-www-form-urlencoded` text strictly: valid UTF-8
/// after decoding, no repeated names, bounded size.
pub fn parse_params(input: &[u8], max_len: usize) -> Result<Vec<(String, String)>, ParamsError> {
    if input.len() > max_len {
        return Err(ParamsError::TooLarge);
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for part in input.split(|b| *b == b'&') {
        if part.is_empty() {
            continue;
        }
        let mut kv = part.splitn(2, |b| *b == b'=');
        let k = decode_component(kv.next().unwrap_or_default())?;
        let v = decode_component(kv.next().unwrap_or_default())?;
        if out.iter().any(|(name, _)| *name == k) {
            return Err(ParamsError::Duplicate(truncate(&k, 64)));
        }
        out.push((k, v));
    }
    Ok(out)
}

fn decode_component(raw: &[u8]) -> Result<String, ParamsError> {
    let plus: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    // Reject malformed escapes instead of passing them through.
    let mut i = 0;
    while i < plus.len() {
        if plus.get(i) == Some(&b'%') {
            let ok = plus
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !ok {
                return Err(ParamsError::InvalidEncoding);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    let bytes: Vec<u8> = percent_encoding_decode(&plus);
    String::from_utf8(bytes).map_err(|_| ParamsError::InvalidEncoding)
}

fn percent_encoding_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut it = input.iter();
    while let Some(&b) = it.next() {
        if b == b'%' {
            let hi = it.next().and_then(|c| (*c as char).to_digit(16));
            let lo = it.next().and_then(|c| (*c as char).to_digit(16));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(0));
            }
        } else {
            out.push(b);
        }
    }
    out
}

/// Shortens attacker-controlled text before it goes into an error.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// The body as a JSON object, if it is one.
pub(crate) fn json_object(body: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    if body.len() > MAX_BODY {
        return None;
    }
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(m)) => Some(m),
        _ => None,
    }
}
