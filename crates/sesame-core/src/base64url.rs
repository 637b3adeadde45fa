//! Unpadded base64url (RFC 4648 §5), the only base64 flavour JOSE, PKCE
//! and sealed cookies use.
//!
//! ```
//! use sesame_core::base64url;
//! assert_eq!(base64url::encode(b"\xfb\xff"), "-_8");
//! assert_eq!(base64url::decode("-_8").unwrap(), b"\xfb\xff");
//! assert!(base64url::decode("-_8=").is_none(), "no padding");
//! ```
//!
//! Decoding is this module's own: every token, cookie and verifier is
//! decoded on the request path, mostly a few hundred bytes at a time,
//! where a table lookup per character and one validity check per four
//! beats a general engine's setup. It is exactly as strict as the
//! `base64` crate's unpadded URL-safe engine (a unit test compares the
//! two on every length and on random and corrupted input).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict decoding: no padding, no whitespace, canonical trailing bits.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = vec![0; decoded_len(text.len())?];
    let n = decode_into(text, &mut out)?;
    out.truncate(n);
    Some(out)
}

/// Strict decoding into `out`; the decoded length, or `None` when the
/// text is not canonical unpadded base64url or does not fit.
pub(crate) fn decode_into(text: &str, out: &mut [u8]) -> Option<usize> {
    let input = text.as_bytes();
    let len = decoded_len(input.len())?;
    let out = out.get_mut(..len)?;
    let chunks = input.chunks_exact(4);
    let tail = chunks.remainder();
    let mut outs = out.chunks_exact_mut(3);
    for (c, o) in chunks.zip(&mut outs) {
        let &[a, b, c, d] = c else {
            return None;
        };
        // Each character's sextet already in place; a foreign character
        // sets a bit above the 24 decoded ones.
        let n = placed(&PLACED[0], a)
            | placed(&PLACED[1], b)
            | placed(&PLACED[2], c)
            | placed(&PLACED[3], d);
        if n & PLACED_INVALID != 0 {
            return None;
        }
        let [_, x, y, z] = n.to_be_bytes();
        o.copy_from_slice(&[x, y, z]);
    }
    let rest = outs.into_remainder();
    match (tail, rest) {
        ([], []) => {}
        // Two characters: one byte; the second's low four bits must be 0.
        ([a, b], [x]) => {
            let (a, b) = (sextet(*a), sextet(*b));
            if (a | b) & INVALID != 0 || b & 0x0f != 0 {
                return None;
            }
            *x = a << 2 | b >> 4;
        }
        // Three characters: two bytes; the third's low two bits must be 0.
        ([a, b, c], [x, y]) => {
            let (a, b, c) = (sextet(*a), sextet(*b), sextet(*c));
            if (a | b | c) & INVALID != 0 || c & 0x03 != 0 {
                return None;
            }
            *x = a << 2 | b >> 4;
            *y = b << 4 | c >> 2;
        }
        _ => return None,
    }
    Some(len)
}

/// The decoded length of `n` characters; `None` for a length no
/// unpadded encoding has (one character past a multiple of four).
fn decoded_len(n: usize) -> Option<usize> {
    match n % 4 {
        1 => None,
        0 => Some(n / 4 * 3),
        r => Some(n / 4 * 3 + r - 1),
    }
}

/// Marks a byte outside the alphabet in [`SEXTETS`].
const INVALID: u8 = 0x80;

/// Each byte's six-bit value, or [`INVALID`].
#[allow(clippy::indexing_slicing)] // constant evaluation: out of range fails the build
const SEXTETS: [u8; 256] = {
    let mut t = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Marks a byte outside the alphabet in [`PLACED`].
const PLACED_INVALID: u32 = 1 << 31;

/// For each of a group's four positions, each byte's sextet shifted to
/// its place in the group's 24 bits, or [`PLACED_INVALID`].
#[allow(clippy::indexing_slicing)] // constant evaluation: out of range fails the build
const PLACED: [[u32; 256]; 4] = {
    let mut t = [[PLACED_INVALID; 256]; 4];
    let mut c = 0;
    while c < 256 {
        let v = SEXTETS[c];
        if v != INVALID {
            let v = v as u32;
            t[0][c] = v << 18;
            t[1][c] = v << 12;
            t[2][c] = v << 6;
            t[3][c] = v;
        }
        c += 1;
    }
    t
};

fn placed(table: &[u32; 256], c: u8) -> u32 {
    // Always in range: the table has an entry for every byte.
    table.get(usize::from(c)).copied().unwrap_or(PLACED_INVALID)
}

fn sextet(c: u8) -> u8 {
    // Always in range: the table has an entry for every byte.
    SEXTETS.get(usize::from(c)).copied().unwrap_or(INVALID)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_engine(text: &[u8]) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(text).ok()
    }

    fn ours(text: &[u8]) -> Option<Vec<u8>> {
        decode(std::str::from_utf8(text).ok()?)
    }

    #[test]
    fn decoding_agrees_with_the_base64_crate_on_every_length() {
        for n in 0..200usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + n) as u8).collect();
            let text = encode(&bytes);
            assert_eq!(decode(&text).as_deref(), Some(&bytes[..]), "length {n}");
        }
    }

    #[test]
    fn decoding_is_as_strict_as_the_base64_crate() {
        // A small deterministic generator: corrupted encodings, odd
        // lengths, padding, foreign bytes, non-canonical trailing bits.
        let mut next = crate::random::test_sequence(0x9e37_79b9_7f4a_7c15u64);
        let noise = b"=+/ \n.A_-9zZ\xff\x00";
        for _ in 0..20_000 {
            let n = (next() % 40) as usize;
            let bytes: Vec<u8> = (0..n).map(|_| next() as u8).collect();
            let mut text = encode(&bytes).into_bytes();
            match next() % 4 {
                0 if !text.is_empty() => {
                    let i = (next() as usize) % text.len();
                    text[i] = noise[(next() as usize) % noise.len()];
                }
                1 => text.push(noise[(next() as usize) % noise.len()]),
                2 if !text.is_empty() => {
                    text.pop();
                }
                _ => {}
            }
            assert_eq!(
                ours(&text),
                by_engine(&text),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
        for text in [
            "", "A", "AA", "AB", "AAA", "AAB", "-_8=", "====", "YQ", "YR", "YWI", "YWJ",
        ] {
            assert_eq!(ours(text.as_bytes()), by_engine(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn decoding_into_a_short_buffer_is_refused() {
        let mut out = [0u8; 2];
        assert_eq!(decode_into("YWJj", &mut out), None);
        let mut out = [0u8; 8];
        assert_eq!(decode_into("YWJj", &mut out), Some(3));
        assert_eq!(&out[..3], b"abc");
    }
}
