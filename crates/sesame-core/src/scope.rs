//! Scope strings (RFC 6749 §3.3): space-delimited, case-sensitive.
//!
//! ```
//! assert_eq!(sesame_core::scope::parse(" openid  api:read "), ["openid", "api:read"]);
//! assert_eq!(sesame_core::scope::join(&["a".to_owned(), "b".to_owned()]), "a b");
//! ```

/// Splits a `scope` value into its scopes (empty items dropped).
pub fn parse(scope: &str) -> Vec<String> {
    scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Joins scopes into a `scope` value.
pub fn join(scopes: &[String]) -> String {
    scopes.join(" ")
}

/// Whether the space-delimited `scope` value contains `wanted`.
pub fn contains(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}
