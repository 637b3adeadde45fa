//! The app's user check behind the login page, and a fixed list of users
//! for demos and tests.

use serde_json::{Map, Value};

/// A user who signed in: the subject and the app's claims for them.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The stable user id (`sub`).
    pub subject: String,
    /// Claims to put in the tokens (`role`, `email`, …). Reserved names are ignored.
    pub claims: Map<String, Value>,
}

/// The app's user check: `validate(username, password)`.
#[async_trait::async_trait]
pub trait Users: Send + Sync {
    /// The user, if the credentials are right.
    async fn validate(&self, username: &str, password: &str) -> Option<User>;
}

/// A fixed list of users (`username`, `password`, claims) — for demos,
/// examples and tests. Passwords are compared in constant time; use a real
/// user store (with password hashing) in production.
#[derive(Clone, Default)]
pub struct StaticUsers {
    users: Vec<(String, sesame_core::Secret, Map<String, Value>)>,
}

impl std::fmt::Debug for StaticUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.users.iter().map(|(u, _, _)| u))
            .finish()
    }
}

impl StaticUsers {
    /// Adds a user; the subject is the username.
    pub fn user(mut self, username: &str, password: &str, claims: Map<String, Value>) -> Self {
        self.users.push((
            username.to_owned(),
            sesame_core::Secret::new(password),
            claims,
        ));
        self
    }
}

#[async_trait::async_trait]
impl Users for StaticUsers {
    async fn validate(&self, username: &str, password: &str) -> Option<User> {
        let mut found = None;
        for (u, p, c) in &self.users {
            // Check every entry so timing does not reveal which usernames exist.
            let ok = sesame_core::constant_time::eq(u.as_bytes(), username.as_bytes())
                & p.ct_eq(password);
            if ok {
                found = Some(User {
                    subject: u.clone(),
                    claims: c.clone(),
                });
            }
        }
        found
    }
}
