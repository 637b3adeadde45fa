//! A route's requirements: scopes and claims.

use serde_json::Value;

use super::{AccessClaims, BearerError};

/// One requirement of a route.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Requirement {
    /// The token has this scope.
    Scope(String),
    /// The claim equals this value.
    ClaimEquals(String, Value),
    /// The claim is an array containing this value (or equals it).
    ClaimContains(String, Value),
    /// The claim is present and not null.
    ClaimPresent(String),
}

/// A route's requirements, all of which must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guard {
    requirements: Vec<Requirement>,
}

impl Guard {
    /// No requirements beyond a valid token.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires a scope.
    pub fn scope(mut self, scope: &str) -> Self {
        self.requirements.push(Requirement::Scope(scope.to_owned()));
        self
    }

    /// Requires `claim == value` (`Guard::new().claim_eq("role", "admin")`).
    pub fn claim_eq(mut self, claim: &str, value: impl Into<Value>) -> Self {
        self.requirements
            .push(Requirement::ClaimEquals(claim.to_owned(), value.into()));
        self
    }

    /// Requires `value` in the array claim (`Guard::new().claim_contains("groups", "staff")`).
    pub fn claim_contains(mut self, claim: &str, value: impl Into<Value>) -> Self {
        self.requirements
            .push(Requirement::ClaimContains(claim.to_owned(), value.into()));
        self
    }

    /// Requires the claim to be present.
    pub fn claim_present(mut self, claim: &str) -> Self {
        self.requirements
            .push(Requirement::ClaimPresent(claim.to_owned()));
        self
    }

    /// Checks the token's claims: 403 `insufficient_scope` (naming the scope)
    /// or 403 for a claim — never a 500, whatever the claim's type.
    pub fn check(&self, token: &AccessClaims) -> Result<(), BearerError> {
        for r in &self.requirements {
            let ok = match r {
                Requirement::Scope(s) => {
                    if !token.scopes.contains(s) {
                        return Err(BearerError::InsufficientScope(s.clone()));
                    }
                    true
                }
                Requirement::ClaimEquals(k, v) => token.claims.get(k) == Some(v),
                Requirement::ClaimContains(k, v) => match token.claims.get(k) {
                    Some(Value::Array(a)) => a.contains(v),
                    Some(other) => other == v,
                    None => false,
                },
                Requirement::ClaimPresent(k) => token.claims.get(k).is_some_and(|v| !v.is_null()),
            };
            if !ok {
                return Err(BearerError::Forbidden);
            }
        }
        Ok(())
    }
}
