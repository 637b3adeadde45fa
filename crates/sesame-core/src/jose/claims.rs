//! A JWT's claims: the registered ones read in one typed pass, the whole
//! set parsed into a map only when someone asks for it.
//!
//! Validating a token needs a handful of claims (`iss`, `sub`, `aud`,
//! `exp`, …). Reading them with borrowed, typed fields costs a fraction of
//! building a `serde_json::Map` of every claim, which allocates each key and
//! value. [`parse_registered`] reads them with the one-pass scanner of
//! `jose::scan` (fields matched by [`scan_claims!`]), and with serde_json
//! where the scanner declines. [`Claims`] keeps the verified payload bytes and builds the map on
//! first access, so a request that only needs the subject and the scopes
//! never pays for it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::OnceLock;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::scan::{self, Found};

/// Every claim of a validated token, parsed into a map on first use.
///
/// It dereferences to [`serde_json::Map`], so `claims.get("email")` and
/// `claims["email"]` work as on a map.
///
/// ```
/// use sesame_core::jose::Claims;
/// let mut map = serde_json::Map::new();
/// map.insert("email".into(), "ada@example.com".into());
/// let claims = Claims::from(map);
/// assert_eq!(claims["email"], "ada@example.com");
/// assert!(claims.get("name").is_none());
/// ```
#[derive(Clone, Default)]
pub struct Claims {
    /// The JSON object's bytes, until the map is built.
    json: Vec<u8>,
    /// The map built from `json` on first read.
    parsed: OnceLock<Map<String, Value>>,
    /// The map given, or taken out of `parsed` to be edited.
    owned: Option<Map<String, Value>>,
}

impl Claims {
    /// Claims from bytes already checked to be one JSON object that parses
    /// as a map (by [`parse_registered`]: the scanner, or serde_json).
    pub(crate) fn from_object_json(json: Vec<u8>) -> Self {
        Self {
            json,
            parsed: OnceLock::new(),
            owned: None,
        }
    }

    /// Every claim, as a map (built on the first call).
    pub fn map(&self) -> &Map<String, Value> {
        match &self.owned {
            Some(m) => m,
            None => self.parsed.get_or_init(|| parse_object(&self.json)),
        }
    }

    /// The claims as an owned map.
    pub fn into_map(self) -> Map<String, Value> {
        match (self.owned, self.parsed.into_inner()) {
            (Some(m), _) | (None, Some(m)) => m,
            (None, None) => parse_object(&self.json),
        }
    }

    /// Deserializes the claims into the application's own type, straight
    /// from the token's JSON when the map has not been built.
    ///
    /// ```
    /// use sesame_core::jose::Claims;
    /// #[derive(serde::Deserialize)]
    /// struct Mine { role: String }
    /// let mut map = serde_json::Map::new();
    /// map.insert("role".into(), "admin".into());
    /// let mine: Mine = Claims::from(map).deserialize().unwrap();
    /// assert_eq!(mine.role, "admin");
    /// ```
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        match (&self.owned, self.parsed.get()) {
            (Some(m), _) | (None, Some(m)) => T::deserialize(&Value::Object(m.clone())),
            (None, None) => serde_json::from_slice(&self.json),
        }
    }
}

/// The bytes passed a full JSON parse as one object already (or are empty,
/// for no claims); an object always parses as a map.
fn parse_object(json: &[u8]) -> Map<String, Value> {
    match serde_json::from_slice(json) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

impl From<Map<String, Value>> for Claims {
    fn from(map: Map<String, Value>) -> Self {
        Self {
            json: Vec::new(),
            parsed: OnceLock::new(),
            owned: Some(map),
        }
    }
}

impl From<Claims> for Map<String, Value> {
    fn from(claims: Claims) -> Self {
        claims.into_map()
    }
}

impl std::ops::Deref for Claims {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Self::Target {
        self.map()
    }
}

impl std::ops::DerefMut for Claims {
    fn deref_mut(&mut self) -> &mut Self::Target {
        let (parsed, json) = (&mut self.parsed, &mut self.json);
        self.owned.get_or_insert_with(|| {
            let map = parsed.take().unwrap_or_else(|| parse_object(json));
            *json = Vec::new();
            map
        })
    }
}

impl PartialEq for Claims {
    fn eq(&self, other: &Self) -> bool {
        self.map() == other.map()
    }
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.map(), f)
    }
}

impl serde::Serialize for Claims {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map().serialize(s)
    }
}

/// A claim that should be a string, as found: absent (or `null`), a
/// string, or some other JSON type.
#[derive(Debug, Default)]
pub(crate) enum Text<'a> {
    /// Absent or `null`.
    #[default]
    Missing,
    /// A string, borrowed from the payload unless it had escapes.
    Str(Cow<'a, str>),
    /// Another JSON type.
    Wrong,
}

impl<'a> Text<'a> {
    /// The string, if it is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Text::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string, `None` when absent, `Err` when of another type.
    pub(crate) fn strict(&self) -> Result<Option<&str>, ()> {
        match self {
            Text::Missing => Ok(None),
            Text::Str(s) => Ok(Some(s)),
            Text::Wrong => Err(()),
        }
    }
}

/// A claim that is a string or an array of strings (`aud`, `scope` as
/// some servers send it), as found.
#[derive(Debug, Default)]
pub(crate) enum Texts<'a> {
    /// Absent or `null`.
    #[default]
    Missing,
    /// One string.
    One(Cow<'a, str>),
    /// An array; each element as found.
    Many(Vec<Text<'a>>),
    /// Another JSON type.
    Wrong,
}

/// A NumericDate claim (`exp`, `iat`, `nbf`), as found.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) enum Date {
    /// Absent or `null`.
    #[default]
    Missing,
    /// Whole seconds since the epoch (fractions truncated).
    At(u64),
    /// Negative, out of range, or not a number.
    Wrong,
}

impl Date {
    /// The date, `None` when absent, `Err` when malformed.
    pub(crate) fn strict(self) -> Result<Option<u64>, ()> {
        match self {
            Date::Missing => Ok(None),
            Date::At(t) => Ok(Some(t)),
            Date::Wrong => Err(()),
        }
    }
}

/// Whether `cnf` binds the token to a key (`cnf.jkt` present, RFC 9449).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Confirmation {
    /// `cnf` is an object with a `jkt` member.
    pub(crate) jkt: bool,
}

/// Consumes whatever value comes, for the "another JSON type" cases.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the non-string visits as "another type" for a visitor
/// whose value has a `Wrong` and a `Missing` case.
macro_rules! other_types_are_wrong {
    ($wrong:expr, $missing:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($wrong)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($wrong)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($wrong)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($wrong)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($missing)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($missing)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            skip_map(map)?;
            Ok($wrong)
        }
    };
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claim value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        skip_seq(seq)?;
        Ok(Text::Wrong)
    }
    other_types_are_wrong!(Text::Wrong, Text::Missing);
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor(PhantomData))
    }
}

struct TextsVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextsVisitor<'a> {
    type Value = Texts<'a>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claim value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Texts::One(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Texts::One(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Texts::One(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(2).min(16));
        while let Some(t) = seq.next_element::<Text<'a>>()? {
            all.push(t);
        }
        Ok(Texts::Many(all))
    }
    other_types_are_wrong!(Texts::Wrong, Texts::Missing);
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Texts<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextsVisitor(PhantomData))
    }
}

/// Reads NumericDates as serde_json hands them over by default (integers
/// and floats). With serde_json's `arbitrary_precision` feature, numbers
/// would arrive as maps and read as `Wrong` here, while the scanner reads
/// them: Sesame does not enable that feature, and a build that does would
/// see dates refused only on the fallback path.
struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = Date;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claim value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Date, E> {
        Ok(Date::Wrong)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Date, E> {
        Ok(u64::try_from(v).map_or(Date::Wrong, Date::At))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Date, E> {
        Ok(Date::At(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Date, E> {
        if v.is_finite() && (0.0..1e15).contains(&v) {
            // Truncation is intended: NumericDate may carry fractions.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Ok(Date::At(v as u64))
        } else {
            Ok(Date::Wrong)
        }
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Date, E> {
        Ok(Date::Wrong)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Date, E> {
        Ok(Date::Missing)
    }
    fn visit_none<E: de::Error>(self) -> Result<Date, E> {
        Ok(Date::Missing)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Date, A::Error> {
        skip_seq(seq)?;
        Ok(Date::Wrong)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Date, A::Error> {
        skip_map(map)?;
        Ok(Date::Wrong)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DateVisitor)
    }
}

struct ConfirmationVisitor;

impl<'de> Visitor<'de> for ConfirmationVisitor {
    type Value = Confirmation;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claim value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Confirmation, A::Error> {
        let mut jkt = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            jkt |= key == "jkt";
            map.next_value::<IgnoredAny>()?;
        }
        Ok(Confirmation { jkt })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Confirmation, E> {
        Ok(Confirmation::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Confirmation, E> {
        Ok(Confirmation::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Confirmation, E> {
        Ok(Confirmation::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Confirmation, E> {
        Ok(Confirmation::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Confirmation, E> {
        Ok(Confirmation::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Confirmation, E> {
        Ok(Confirmation::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Confirmation, A::Error> {
        skip_seq(seq)?;
        Ok(Confirmation::default())
    }
}

impl<'de> serde::Deserialize<'de> for Confirmation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ConfirmationVisitor)
    }
}

/// A set of registered claims that [`scan::object`] can fill in one pass:
/// written with [`scan_claims!`], which matches each member by name.
pub(crate) trait ScanClaims<'a>: Default {
    /// Takes one member; `seen` has a bit per field already set. `None`
    /// declines (a field given twice, a value of a shape left to serde_json).
    fn member(&mut self, key: &str, value: Found<'a>, seen: &mut u32) -> Option<()>;
}

/// Implements [`ScanClaims`] for a struct of claim fields (each of a type
/// that implements [`FromFound`]), matching members by field name. Other
/// members are checked and skipped.
///
/// The list must name every field of the struct (it does not compile
/// otherwise), at most 32, and the fields must not be renamed or aliased
/// for serde: the scanner matches a member by the field's Rust name.
macro_rules! scan_claims {
    ($ty:ident { $($field:ident),+ $(,)? }) => {
        impl<'a> $crate::jose::ScanClaims<'a> for $ty<'a> {
            fn member(
                &mut self,
                key: &str,
                value: $crate::jose::Found<'a>,
                seen: &mut u32,
            ) -> Option<()> {
                // Every field listed, or this does not compile.
                let $ty { $($field: _),+ } = self;
                const _: () = assert!(
                    [$(stringify!($field)),+].len() <= 32,
                    "one bit of `seen` per field"
                );
                let mut bit = 1u32;
                $(
                    if key == stringify!($field) {
                        // serde_json refuses a field given twice.
                        if *seen & bit != 0 {
                            return None;
                        }
                        *seen |= bit;
                        self.$field = $crate::jose::FromFound::from_found(value)?;
                        return Some(());
                    }
                    bit <<= 1;
                )+
                let _ = bit;
                Some(())
            }
        }
    };
}
pub(crate) use scan_claims;

/// A claim value read from what [`scan::object`] found; `None` leaves the
/// whole claim set to serde_json.
pub(crate) trait FromFound<'a>: Sized {
    /// The value as the serde visitor of the same type would read it.
    fn from_found(found: Found<'a>) -> Option<Self>;
}

impl<'a> FromFound<'a> for Text<'a> {
    #[inline]
    fn from_found(found: Found<'a>) -> Option<Self> {
        match found {
            Found::Str(s) => Some(Text::Str(Cow::Borrowed(s))),
            Found::Escaped => None,
            Found::Null => Some(Text::Missing),
            Found::Number(_) | Found::Bool | Found::Array(_) | Found::Object(_) => {
                Some(Text::Wrong)
            }
        }
    }
}

impl<'a> FromFound<'a> for Texts<'a> {
    fn from_found(found: Found<'a>) -> Option<Self> {
        match found {
            Found::Str(s) => Some(Texts::One(Cow::Borrowed(s))),
            Found::Escaped => None,
            Found::Null => Some(Texts::Missing),
            Found::Array(text) => {
                let mut all = Vec::new();
                scan::array(text, |element| {
                    all.push(Text::from_found(element)?);
                    Some(())
                })?;
                Some(Texts::Many(all))
            }
            Found::Number(_) | Found::Bool | Found::Object(_) => Some(Texts::Wrong),
        }
    }
}

impl FromFound<'_> for Date {
    #[inline]
    fn from_found(found: Found<'_>) -> Option<Self> {
        match found {
            // Plain whole seconds; a sign, a fraction or an overflow is
            // left to serde_json.
            Found::Number(text) => {
                // Up to 19 digits always fit in a u64.
                if text.len() > 19 {
                    return None;
                }
                let mut n = 0u64;
                for d in text.bytes() {
                    if !d.is_ascii_digit() {
                        return None;
                    }
                    n = n * 10 + u64::from(d - b'0');
                }
                Some(Date::At(n))
            }
            Found::Null => Some(Date::Missing),
            Found::Str(_) | Found::Escaped | Found::Bool | Found::Array(_) | Found::Object(_) => {
                Some(Date::Wrong)
            }
        }
    }
}

impl FromFound<'_> for Confirmation {
    fn from_found(found: Found<'_>) -> Option<Self> {
        match found {
            Found::Object(text) => {
                let mut jkt = false;
                scan::object(text, |key, _| {
                    jkt |= key == "jkt";
                    Some(())
                })?;
                Some(Confirmation { jkt })
            }
            _ => Some(Confirmation::default()),
        }
    }
}

/// Parses a token's registered claims from its payload, which must be one
/// JSON object (a typed parse alone would also take an array, field by
/// position).
pub(crate) fn parse_registered<'a, T>(json: &'a [u8]) -> Option<T>
where
    T: serde::Deserialize<'a> + ScanClaims<'a>,
{
    // One UTF-8 check for the whole payload, then parses that need not
    // check each string again.
    let text = std::str::from_utf8(json).ok()?;
    let mut claims = T::default();
    let mut seen = 0;
    if scan::object(text, |key, value| claims.member(key, value, &mut seen)).is_some() {
        return Some(claims);
    }
    // Declined: serde_json reads it, or says why not.
    let claims = serde_json::from_str(text).ok()?;
    // The typed read would also take an array (field by position), and it
    // skips the other members without checking all of them (serde_json
    // takes a lone surrogate escape or a number out of range there); the
    // claim map built later from the same bytes must not fail where the
    // token passed. So the payload must also parse as one object.
    matches!(serde_json::from_str(text), Ok(Value::Object(_))).then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One field of each claim type.
    #[derive(serde::Deserialize, Default, Debug)]
    struct All<'a> {
        #[serde(borrow, default)]
        s: Text<'a>,
        #[serde(borrow, default)]
        m: Texts<'a>,
        #[serde(default)]
        d: Date,
        #[serde(default)]
        c: Confirmation,
    }
    scan_claims!(All { s, m, d, c });

    fn scanned(text: &str) -> Option<All<'_>> {
        let mut all = All::default();
        let mut seen = 0;
        scan::object(text, |k, v| all.member(k, v, &mut seen)).map(|()| all)
    }

    /// Whatever the scanner accepts, serde_json reads the same way, and
    /// the text is one JSON object.
    fn agrees(text: &str) -> bool {
        let Some(ours) = scanned(text) else {
            return false;
        };
        let theirs: All<'_> = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("scanner accepted what serde_json refuses ({e}): {text}"));
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{text}");
        assert!(
            matches!(serde_json::from_str(text), Ok(Value::Object(_))),
            "not an object: {text}"
        );
        true
    }

    const SEEDS: &[&str] = &[
        r#"{"s":"x","m":["a","b"],"d":1700000000,"c":{"jkt":"k"}}"#,
        r#" { "s" : null , "m" : "one" , "d" : 0 , "c" : true } "#,
        r#"{"iss":"https://op.example","sub":"user-1","aud":"client-1","exp":1700000300,"iat":1700000000,"nonce":"n-1"}"#,
        r#"{"other":[1,2.5,-3,{"a":null,"b":[true,false]}],"name":"Ad\u00e9 \"A\"\n","s":"plain","d":"soon"}"#,
        r#"{"m":[null,1,["x"],{"y":2},"z"],"d":[1],"s":{"k":"v"},"c":{"x_y":1,"jkt":null}}"#,
        r#"{"d":12.5,"s":"\u0041","m":"\/"}"#,
        r#"{"d":-1,"e":1e5,"f":0.0,"g":-0}"#,
        r#"{"s":"a","s":"b"}"#,
        r#"{"s":null,"s":"b"}"#,
        r#"{"x":1,"x":2,"\u0073":"escaped key"}"#,
        r#"{}"#,
        r#"{"d":18446744073709551615,"m":[]}"#,
        r#"{"d":18446744073709551616}"#,
        r#"{"s":"\ud83d\ude00","deep":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}"#,
    ];

    #[test]
    fn the_common_shapes_are_read_without_serde() {
        for text in SEEDS.iter().take(5) {
            assert!(agrees(text), "declined: {text}");
        }
        let d = scanned(r#"{"d":1700000000}"#).map(|a| a.d.strict());
        assert_eq!(d, Some(Ok(Some(1_700_000_000))));
        let c = scanned(r#"{"c":{"jkt":"k"}}"#).map(|a| a.c.jkt);
        assert_eq!(c, Some(true));
    }

    #[test]
    fn what_is_left_to_serde_json_is_declined() {
        for text in [
            r#"{"s":"a","s":"b"}"#,
            r#"{"s":null,"s":"b"}"#,
            r#"{"\u0073":"escaped key"}"#,
            r#"{"s":"esc\"aped"}"#,
            r#"{"d":12.5}"#,
            r#"{"d":-1}"#,
            r#"{"e":1e5}"#,
            r#"{"d":18446744073709551616}"#,
            r#"{"x":"\ud83d\ude00"}"#,
            r#"{"x":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}"#,
            r#"{"x":1}x"#,
            r#"{"x":01}"#,
            r#"{"x":"tab	inside"}"#,
            r#"[1]"#,
            r#"{"x":tru}"#,
            r#"{"x":1,}"#,
        ] {
            assert!(scanned(text).is_none(), "accepted: {text}");
        }
    }

    #[test]
    fn claims_whose_map_would_not_parse_are_refused() {
        // serde_json's typed read skips these members without a complaint;
        // the claim map of the same bytes would fail to build.
        for text in [
            r#"{"s":"x","other":"lone \ud800 surrogate"}"#,
            r#"{"s":"x","other":1e400}"#,
        ] {
            assert!(serde_json::from_str::<All<'_>>(text).is_ok(), "{text}");
            assert!(
                parse_registered::<All<'_>>(text.as_bytes()).is_none(),
                "{text}"
            );
        }
    }

    #[test]
    fn the_scanner_agrees_with_serde_json_on_corrupted_claims() {
        let mut next = crate::random::test_sequence(0x2545_f491_4f6c_dd1du64);
        let alphabet = b"{}[]\",:\\ 0123456789.-+eEtrufalsnu\t\nxsmdcjkt/";
        let mut accepted = 0;
        for _ in 0..60_000 {
            let base = SEEDS[(next() as usize) % SEEDS.len()];
            let mut bytes = base.as_bytes().to_vec();
            for _ in 0..=(next() % 3) {
                let i = (next() as usize) % (bytes.len() + 1);
                let c = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 if i < bytes.len() => bytes[i] = c,
                    1 if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ => bytes.insert(i, c),
                }
            }
            if let Ok(text) = std::str::from_utf8(&bytes) {
                accepted += usize::from(agrees(text));
                let registered: Option<All<'_>> = parse_registered(text.as_bytes());
                let by_serde: Option<All<'_>> = serde_json::from_str(text)
                    .ok()
                    .filter(|_| matches!(serde_json::from_str(text), Ok(Value::Object(_))));
                assert_eq!(format!("{registered:?}"), format!("{by_serde:?}"), "{text}");
            }
        }
        assert!(accepted > 5_000, "only {accepted} accepted");
    }
}
