//! A JWT's claims: the registered ones read in one typed pass, the whole
//! set parsed into a map only when someone asks for it.
//!
//! Validating a token needs a handful of claims (`iss`, `sub`, `aud`,
//! `exp`, …). Reading them with borrowed, typed fields costs a fraction of
//! building a `serde_json::Map` of every claim, which allocates each key and
//! value. [`Claims`] keeps the verified payload bytes and builds the map on
//! first access, so a request that only needs the subject and the scopes
//! never pays for it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::OnceLock;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

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
    /// Claims from bytes already checked to be one JSON object (by a typed
    /// parse of the registered claims).
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

/// Parses a token's registered claims from its payload, which must be one
/// JSON object (a typed parse alone would also take an array, field by
/// position).
pub(crate) fn parse_registered<'a, T: serde::Deserialize<'a>>(json: &'a [u8]) -> Option<T> {
    let first = json
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return None;
    }
    // One UTF-8 check for the whole payload, then a parse that need not
    // check each string again.
    serde_json::from_str(std::str::from_utf8(json).ok()?).ok()
}
