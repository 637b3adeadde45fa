//! JWK thumbprints (RFC 7638): the name of a key, as `cnf.jkt` carries it.

use serde_json::Value;

/// Why a JWK has no thumbprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ThumbprintError {
    /// The JWK is not a JSON object, or its `kty` is not `EC`, `OKP` or `RSA`.
    #[error("unsupported jwk key type")]
    UnsupportedKeyType,
    /// A member the thumbprint needs is absent or not a string.
    #[error("jwk member missing: {0}")]
    MissingMember(&'static str),
}

/// The RFC 7638 thumbprint of a public JWK: the unpadded base64url SHA-256
/// of its required members only, in lexicographic order, without
/// whitespace (`crv,kty,x,y` for `EC`; `crv,kty,x` for `OKP`; `e,kty,n` for
/// `RSA`). Other members (`kid`, `alg`, `use`, …) do not change it.
///
/// ```
/// use sesame_core::dpop::thumbprint;
/// // RFC 7638 §3.1.
/// let jwk = serde_json::json!({
///     "kty": "RSA",
///     "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
///     "e": "AQAB",
///     "alg": "RS256",
///     "kid": "2011-04-29"
/// });
/// assert_eq!(thumbprint(&jwk).unwrap(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
/// ```
pub fn thumbprint(jwk: &Value) -> Result<String, ThumbprintError> {
    let obj = jwk.as_object().ok_or(ThumbprintError::UnsupportedKeyType)?;
    let members: &[&'static str] = match obj.get("kty").and_then(Value::as_str) {
        Some("EC") => &["crv", "kty", "x", "y"],
        Some("OKP") => &["crv", "kty", "x"],
        Some("RSA") => &["e", "kty", "n"],
        _ => return Err(ThumbprintError::UnsupportedKeyType),
    };
    let mut canonical = String::from("{");
    for (i, name) in members.iter().enumerate() {
        let value = obj
            .get(*name)
            .and_then(Value::as_str)
            .ok_or(ThumbprintError::MissingMember(name))?;
        if i > 0 {
            canonical.push(',');
        }
        canonical.push('"');
        canonical.push_str(name);
        canonical.push_str("\":");
        if value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        {
            // Base64url and curve names need no escaping at all.
            canonical.push('"');
            canonical.push_str(value);
            canonical.push('"');
        } else {
            // serde_json escapes exactly as RFC 7159 requires.
            canonical.push_str(&Value::String(value.to_owned()).to_string());
        }
    }
    canonical.push('}');
    let digest = crate::crypto::sha256(canonical.as_bytes());
    Ok(crate::base64url::encode(digest.as_ref()))
}
