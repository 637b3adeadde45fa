//! Small helpers for identity mappings: read a field by a dotted path,
//! stringify ids, pick verified emails.

use serde_json::{Map, Value};

/// The value at a dotted path (`"data.user.open_id"`); array indices are numbers.
pub fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| match v {
        Value::Object(m) => m.get(key),
        Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// A non-empty string at a path; numbers are stringified (many providers send numeric ids).
pub fn string(value: &Value, path: &str) -> Option<String> {
    match at(value, path)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A boolean at a path; `"true"` strings and `1` count as true, anything else is false.
pub fn boolean(value: &Value, path: &str) -> bool {
    match at(value, path) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        _ => false,
    }
}

/// An object as a `Value` (for `Profile::object` results).
pub fn obj(map: &Map<String, Value>) -> Value {
    Value::Object(map.clone())
}

/// `first last`, or whichever exists.
pub fn full_name(given: Option<&str>, family: Option<&str>) -> Option<String> {
    match (
        given.filter(|s| !s.is_empty()),
        family.filter(|s| !s.is_empty()),
    ) {
        (Some(g), Some(f)) => Some(format!("{g} {f}")),
        (Some(g), None) => Some(g.to_owned()),
        (None, Some(f)) => Some(f.to_owned()),
        (None, None) => None,
    }
}

/// From a list of email entries, the address that is both primary and
/// verified, using the given field names. Never an unverified one.
pub fn verified_primary_email(
    list: &Value,
    address: &str,
    primary: &str,
    verified: &str,
) -> Option<String> {
    list.as_array()?
        .iter()
        .find(|e| boolean(e, primary) && boolean(e, verified))
        .and_then(|e| string(e, address))
}
