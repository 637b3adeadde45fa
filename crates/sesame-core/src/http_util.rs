//! Small helpers for building and reading `http` values.

use url::Url;

pub(crate) const USER_AGENT: &str = concat!("sesame/", env!("CARGO_PKG_VERSION"));
/// Response bodies larger than this are refused by the parsers.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

pub(crate) fn get(url: &Url) -> http::Request<Vec<u8>> {
    request(http::Method::GET, url, &[], None)
}

/// Builds a request, with the [`RequestUrl`](crate::step::RequestUrl) it
/// was built from in its extensions. A `Url` always parses as a `Uri`, and
/// header values are validated beforehand by the callers, so a failure
/// falls back to a bare request.
pub(crate) fn request(
    method: http::Method,
    url: &Url,
    headers: &[(http::HeaderName, http::HeaderValue)],
    body: Option<(&'static str, Vec<u8>)>,
) -> http::Request<Vec<u8>> {
    let Ok(uri) = http::Uri::try_from(url.as_str()) else {
        return http::Request::new(Vec::new());
    };
    let (content_type, body) = match body {
        Some((ct, bytes)) => (Some(ct), bytes),
        None => (None, Vec::new()),
    };
    let mut req = http::Request::new(body);
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    let h = req.headers_mut();
    h.reserve(3 + headers.len());
    h.insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    h.insert(
        http::header::USER_AGENT,
        http::HeaderValue::from_static(USER_AGENT),
    );
    // Provider headers replace the defaults (GitHub's own `Accept`).
    for (k, v) in headers {
        h.insert(k, v.clone());
    }
    if let Some(ct) = content_type.and_then(|ct| http::HeaderValue::try_from(ct).ok()) {
        h.insert(http::header::CONTENT_TYPE, ct);
    }
    req.extensions_mut()
        .insert(crate::step::RequestUrl::new(url.clone()));
    req
}

pub(crate) fn form_encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    let mut out = String::with_capacity(256);
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        form_urlencode_into(&mut out, k);
        out.push('=');
        form_urlencode_into(&mut out, v);
    }
    out.into_bytes()
}

/// Appends `s` `application/x-www-form-urlencoded` (the WHATWG URL
/// standard's byte serializer, as `url::form_urlencoded::byte_serialize`):
/// `*-._` and ASCII alphanumerics as they are, space as `+`, every other
/// byte as `%XX`. Runs of unchanged bytes are copied at once.
pub(crate) fn form_urlencode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let keep = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_');
    let hex = |n: u8| char::from(HEX.get(usize::from(n)).copied().unwrap_or(b'0'));
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if keep(b) {
            continue;
        }
        // `start..i` is a run of ASCII bytes (empty when `start` follows
        // the lead byte of a multi-byte character): a valid `str` range.
        out.push_str(s.get(start..i).unwrap_or_default());
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(hex(b >> 4));
            out.push(hex(b & 0xF));
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
}

/// HTTP Basic credentials per RFC 6749 §2.3.1: both parts form-urlencoded first.
pub(crate) fn basic_auth(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let mut raw = String::with_capacity(user.len() + password.len() + 8);
    form_urlencode_into(&mut raw, user);
    raw.push(':');
    form_urlencode_into(&mut raw, password);
    let mut out = String::with_capacity(6 + raw.len().div_ceil(3) * 4);
    out.push_str("Basic ");
    base64::engine::general_purpose::STANDARD.encode_string(raw, &mut out);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_matches_the_url_crates_serializer() {
        let samples = [
            "",
            "plain-Text_0.9*",
            "http://127.0.0.1:8000/callback?x=1&y=2#f",
            "a b+c%d",
            "é中文 😀 mixed ascii",
            "\u{0}\u{7f}\u{80}\"'<>",
            "~!@$^()[]{}|\\;:,/?",
        ];
        for s in samples {
            let mut ours = String::new();
            form_urlencode_into(&mut ours, s);
            let theirs: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
            assert_eq!(ours, theirs, "{s:?}");
        }
        let pairs = [
            ("grant_type", "authorization_code"),
            ("redirect_uri", "http://a/b c"),
        ];
        let expected = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        assert_eq!(form_encode(pairs), expected.into_bytes());
    }

    #[test]
    fn basic_credentials_are_form_encoded_then_base64() {
        use base64::Engine as _;
        let header = basic_auth("client id", "s3cr:t/é");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(header.trim_start_matches("Basic "))
            .unwrap();
        assert_eq!(
            String::from_utf8(raw).unwrap(),
            "client+id:s3cr%3At%2F%C3%A9"
        );
    }
}
