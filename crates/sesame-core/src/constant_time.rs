//! Comparisons whose time does not depend on where two secrets differ.
//!
//! ```
//! use sesame_core::constant_time;
//! assert!(constant_time::eq(b"state-1", b"state-1"));
//! assert!(!constant_time::eq(b"state-1", b"state-2"));
//! ```

/// Constant-time equality of two byte strings (the length is not secret).
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b.iter()) {
        diff |= x ^ y;
    }
    // Prevent the optimizer from short-circuiting on `diff`.
    std::hint::black_box(diff) == 0
}
