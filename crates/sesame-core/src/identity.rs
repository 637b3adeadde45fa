//! The normalized identity a login hands to the application.

use serde_json::{Map, Value};

/// Who signed in, normalized across providers.
///
/// `email_verified` is `true` only when the provider itself said the
/// address is verified; Sesame never assumes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Identity {
    /// The provider's id in Sesame (`"github"`, `"google"`, …).
    pub provider: String,
    /// The user's stable id at the provider (`sub` for OpenID Connect).
    pub id: String,
    /// The email address, if the provider disclosed one.
    pub email: Option<String>,
    /// Whether the provider asserts that the email is verified.
    pub email_verified: bool,
    /// The full display name.
    pub name: Option<String>,
    /// The given (first) name.
    pub given_name: Option<String>,
    /// The family (last) name.
    pub family_name: Option<String>,
    /// The user name or handle.
    pub preferred_username: Option<String>,
    /// A URL of the user's picture.
    pub picture: Option<String>,
    /// The user's locale.
    pub locale: Option<String>,
    /// Every claim the provider returned (ID token claims, then userinfo and
    /// extra calls under their names).
    pub raw: Value,
}

impl Identity {
    /// An identity with only the provider and the id set.
    pub fn new(provider: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            id: id.into(),
            email: None,
            email_verified: false,
            name: None,
            given_name: None,
            family_name: None,
            preferred_username: None,
            picture: None,
            locale: None,
            raw: Value::Null,
        }
    }

    /// Fills the fields from standard OpenID Connect claims
    /// (`sub`, `email`, `email_verified`, `name`, …). Returns `None` when `sub` is missing.
    pub fn from_standard_claims(provider: &str, claims: &Map<String, Value>) -> Option<Self> {
        claim_string(claims, "sub")?;
        Self::from_owned_claims(provider, claims.clone())
    }

    /// [`from_standard_claims`](Self::from_standard_claims) keeping
    /// `claims` as [`raw`](Self::raw) without copying them.
    pub(crate) fn from_owned_claims(provider: &str, claims: Map<String, Value>) -> Option<Self> {
        let sub = claim_string(&claims, "sub")?;
        let mut id = Identity::new(provider, sub);
        id.email = claim_string(&claims, "email");
        id.email_verified = id.email.is_some() && claim_bool(&claims, "email_verified");
        id.name = claim_string(&claims, "name");
        id.given_name = claim_string(&claims, "given_name");
        id.family_name = claim_string(&claims, "family_name");
        id.preferred_username = claim_string(&claims, "preferred_username");
        id.picture = claim_string(&claims, "picture");
        id.locale = claim_string(&claims, "locale");
        id.raw = Value::Object(claims);
        Some(id)
    }
}

/// A claim as a non-empty string (numbers are converted: some providers send numeric ids).
pub fn claim_string(claims: &Map<String, Value>, name: &str) -> Option<String> {
    match claims.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A boolean claim; `"true"` strings count (some providers send them), anything else is false.
pub fn claim_bool(claims: &Map<String, Value>, name: &str) -> bool {
    match claims.get(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}
