//! Comparing a proof's `htu` with the request URI (RFC 9449 §4.3 step 9).

/// Whether a proof's `htu` claim names the request URI `request`.
///
/// The query and the fragment of both are ignored. Both are parsed as URLs
/// (RFC 3986 §6.2.2 and §6.2.3 normalisation): scheme and host compare
/// case-insensitively, a default port equals no port, dot segments are
/// removed, percent-encodings compare case-insensitively and an encoded
/// unreserved character equals the character. The path is otherwise
/// compared exactly (`/token` is not `/token/`).
///
/// ```
/// use sesame_core::dpop::htu_matches;
/// let request: url::Url = "https://server.example.com/token?x=1".parse().unwrap();
/// assert!(htu_matches("https://Server.example.com:443/token", &request));
/// assert!(htu_matches("HTTPS://server.example.com/%74oken#frag", &request));
/// assert!(!htu_matches("https://server.example.com:8443/token", &request));
/// assert!(!htu_matches("http://server.example.com/token", &request));
/// assert!(!htu_matches("/token", &request));
/// ```
pub fn htu_matches(htu: &str, request: &url::Url) -> bool {
    // The usual case, without parsing: the client wrote the URI as a URL
    // serializes (parsing it would give `request` itself).
    if htu == request.as_str() {
        return true;
    }
    let Ok(claim) = url::Url::parse(htu) else {
        return false;
    };
    claim.scheme() == request.scheme()
        && claim.username() == request.username()
        && claim.password() == request.password()
        && match (claim.host_str(), request.host_str()) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (None, None) => true,
            _ => false,
        }
        && claim.port_or_known_default() == request.port_or_known_default()
        && normalise_path(claim.path()) == normalise_path(request.path())
}

/// Upper-cases the hex digits of percent-encodings and decodes the ones
/// that encode unreserved characters (RFC 3986 §6.2.2.1, §6.2.2.2).
fn normalise_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = (bytes.get(i + 1).copied(), bytes.get(i + 2).copied());
            if let (Some(h), Some(l)) = hex {
                if let (Some(hv), Some(lv)) = (hex_value(h), hex_value(l)) {
                    let c = hv << 4 | lv;
                    if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
                        out.push(char::from(c));
                    } else {
                        out.push('%');
                        out.push(char::from(h.to_ascii_uppercase()));
                        out.push(char::from(l.to_ascii_uppercase()));
                    }
                    i += 3;
                    continue;
                }
            }
        }
        // A parsed URL's path is ASCII; keep any other byte as it is.
        out.push(char::from(b));
        i += 1;
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encodings_are_normalised() {
        assert_eq!(normalise_path("/a%2fb%7e%41"), "/a%2Fb~A");
        assert_eq!(normalise_path("/100%"), "/100%");
        assert_eq!(normalise_path("/%zz"), "/%zz");
    }
}
