//! Unpadded base64url (RFC 4648 §5), the only base64 flavour JOSE, PKCE
//! and sealed cookies use.
//!
//! ```
//! use sesame_core::base64url;
//! assert_eq!(base64url::encode(b"\xfb\xff"), "-_8");
//! assert_eq!(base64url::decode("-_8").unwrap(), b"\xfb\xff");
//! assert!(base64url::decode("-_8=").is_none(), "no padding");
//! ```

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict decoding: no padding, no whitespace, canonical trailing bits.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()
}

/// Strict decoding into `out`; the decoded length, or `None` when the
/// text is not canonical unpadded base64url or does not fit.
pub(crate) fn decode_into(text: &str, out: &mut [u8]) -> Option<usize> {
    URL_SAFE_NO_PAD.decode_slice(text.as_bytes(), out).ok()
}
