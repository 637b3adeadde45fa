//! A JSON object's members read in one pass without a general JSON
//! parser, for the shapes tokens carry: headers and claim sets.
//!
//! [`object`] hands each member's key and value, as found, to a callback.
//! It accepts only text it is sure of and declines (returns `None`)
//! everything else: an escaped key, a control character, a number with an
//! exponent or too long to be a claim, a `\u` escape of a surrogate,
//! nesting deeper than [`MAX_DEPTH`], anything after the object. A caller
//! whose read is declined parses the text with serde_json instead, which
//! then decides — and reports — the case exactly as before. Whatever this
//! accepts is valid JSON that serde_json reads the same way; the tests of
//! `jose::claims` check that on generated and corrupted input.

/// One member's value, as found.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Found<'a> {
    /// A string without escapes: its contents.
    Str(&'a str),
    /// A string with escapes (valid ones).
    Escaped,
    /// A number: its text.
    Number(&'a str),
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
    /// An array: its text, brackets included.
    Array(&'a str),
    /// An object: its text, braces included.
    Object(&'a str),
}

/// Deepest nesting read; deeper values are declined.
const MAX_DEPTH: usize = 16;
/// Longest number read; claims never need more.
const MAX_NUMBER_LEN: usize = 24;

/// Reads `text` as one JSON object, calling `member` with each member's
/// key and value in order. `None` when the text is not one object this
/// reader is sure of, or when `member` declines.
pub(crate) fn object<'a>(
    text: &'a str,
    mut member: impl FnMut(&'a str, Found<'a>) -> Option<()>,
) -> Option<()> {
    let mut c = Cursor { text, pos: 0 };
    c.ws();
    c.members(&mut member, 0)?;
    c.ws();
    (c.pos == text.len()).then_some(())
}

/// Reads `text` (an [`Found::Array`]'s) as one JSON array, calling
/// `element` with each element. `None` as for [`object`].
pub(crate) fn array<'a>(
    text: &'a str,
    mut element: impl FnMut(Found<'a>) -> Option<()>,
) -> Option<()> {
    let mut c = Cursor { text, pos: 0 };
    c.elements(&mut element, 0)?;
    (c.pos == text.len()).then_some(())
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

/// What a value turned out to be; its text is the span the cursor
/// crossed. (Small enough to come back in a register, unlike [`Found`].)
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Escaped,
    Number,
    Bool,
    Null,
    Array,
    Object,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    #[inline]
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.pos += 1)
    }

    /// The value of `kind` that spans from `start` to the cursor.
    #[inline]
    fn found(&self, kind: Kind, start: usize) -> Option<Found<'a>> {
        let text = self.text.get(start..self.pos)?;
        Some(match kind {
            // Without its quotes.
            Kind::Str => Found::Str(text.strip_prefix('"')?.strip_suffix('"')?),
            Kind::Escaped => Found::Escaped,
            Kind::Number => Found::Number(text),
            Kind::Bool => Found::Bool,
            Kind::Null => Found::Null,
            Kind::Array => Found::Array(text),
            Kind::Object => Found::Object(text),
        })
    }

    /// An object's members, from its `{` to just past its `}`; `member`
    /// sees each one when `depth` is 0 (nested objects are only checked).
    /// (The same loop as [`Cursor::elements`], written out twice: one
    /// shared loop taking a closure measured ~4 % slower per token.)
    #[inline]
    fn members(
        &mut self,
        member: &mut impl FnMut(&'a str, Found<'a>) -> Option<()>,
        depth: usize,
    ) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            let key_start = self.pos;
            let key = self.string()?;
            let key_end = self.pos;
            self.ws();
            self.eat(b':')?;
            self.ws();
            let start = self.pos;
            let kind = self.value(depth + 1)?;
            if depth == 0 {
                // Keys with escapes are left to serde_json.
                if key != Kind::Str {
                    return None;
                }
                let key = self
                    .text
                    .get(key_start..key_end)?
                    .strip_prefix('"')?
                    .strip_suffix('"')?;
                member(key, self.found(kind, start)?)?;
            }
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// An array's elements, from its `[` to just past its `]`; `element`
    /// sees each one when `depth` is 0.
    #[inline]
    fn elements(
        &mut self,
        element: &mut impl FnMut(Found<'a>) -> Option<()>,
        depth: usize,
    ) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            let start = self.pos;
            let kind = self.value(depth + 1)?;
            if depth == 0 {
                element(self.found(kind, start)?)?;
            }
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// One value at nesting `depth` (1 for a member's value).
    fn value(&mut self, depth: usize) -> Option<Kind> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string(),
            b'{' => {
                self.nested_object(depth)?;
                Some(Kind::Object)
            }
            b'[' => {
                self.nested_array(depth)?;
                Some(Kind::Array)
            }
            b't' => self.literal("true", Kind::Bool),
            b'f' => self.literal("false", Kind::Bool),
            b'n' => self.literal("null", Kind::Null),
            _ => self.number(),
        }
    }

    #[inline(never)]
    fn nested_object(&mut self, depth: usize) -> Option<()> {
        self.members(&mut |_, _| Some(()), depth)
    }

    #[inline(never)]
    fn nested_array(&mut self, depth: usize) -> Option<()> {
        self.elements(&mut |_| Some(()), depth)
    }

    fn literal(&mut self, word: &str, kind: Kind) -> Option<Kind> {
        let end = self.pos + word.len();
        (self.text.get(self.pos..end)? == word).then(|| {
            self.pos = end;
            kind
        })
    }

    /// A string, from its opening quote to just past its closing one.
    #[inline]
    fn string(&mut self) -> Option<Kind> {
        self.eat(b'"')?;
        let start = self.pos;
        let len = plain_len(self.text.as_bytes().get(start..)?);
        self.pos = start + len;
        if self.eat(b'"').is_some() {
            return Some(Kind::Str);
        }
        self.escaped_rest()
    }

    /// The rest of a string that has escapes: each checked.
    #[inline(never)]
    fn escaped_rest(&mut self) -> Option<Kind> {
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(Kind::Escaped);
                }
                b'\\' => {
                    self.pos += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'u' => {
                            let hex = self.text.get(self.pos + 1..self.pos + 5)?;
                            let unit = u16::from_str_radix(hex, 16).ok()?;
                            // Surrogates (pairs or lone) are left to serde_json.
                            if hex.bytes().any(|b| !b.is_ascii_hexdigit())
                                || (0xd800..0xe000).contains(&unit)
                            {
                                return None;
                            }
                            self.pos += 5;
                        }
                        _ => return None,
                    }
                }
                c if c < 0x20 => return None,
                _ => self.pos += 1,
            }
        }
    }

    /// A number without an exponent: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
    fn number(&mut self) -> Option<Kind> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            let before = self.pos;
            self.digits();
            if self.pos == before {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) || self.pos - start > MAX_NUMBER_LEN {
            return None;
        }
        Some(Kind::Number)
    }

    #[inline]
    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }
}

/// How many bytes at the start of `bytes` a string holds as they are:
/// up to the first quote, backslash or control character (or the end).
/// Eight bytes are tested at a time.
#[inline]
fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    let mut done = 0;
    for word in &mut words {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        let w = u64::from_le_bytes(w);
        // A byte's high bit is set in `zero(x)` where `x` has a zero byte;
        // the lowest one marks the first exactly.
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
        let quote = zero(w ^ (ONES * u64::from(b'"')));
        let backslash = zero(w ^ (ONES * u64::from(b'\\')));
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        let stop = quote | backslash | control;
        if stop != 0 {
            return done + (stop.trailing_zeros() / 8) as usize;
        }
        done += 8;
    }
    done + words
        .remainder()
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(words.remainder().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_ends_where_a_byte_by_byte_scan_says() {
        let naive = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len())
        };
        let mut next = crate::random::test_sequence(0x853c_49e6_748f_ea9b);
        let pool = b"ab\"\\\x00\x1f\x20\x7f\x80\xff\xe9 z";
        for _ in 0..50_000 {
            let seed = next();
            let n = (seed % 40) as usize;
            let bytes: Vec<u8> = (0..n)
                .map(|i| {
                    let pick = (seed >> (i % 60)) as usize;
                    // Mostly plain bytes, now and then a stop.
                    if pick % 9 == 0 {
                        pool[pick % pool.len()]
                    } else {
                        b'a' + (pick % 26) as u8
                    }
                })
                .collect();
            assert_eq!(plain_len(&bytes), naive(&bytes), "{bytes:?}");
        }
    }
}
