//! `state` and `nonce`: one-time random values bound to one login.
//!
//! Both carry 128 bits of randomness (16 bytes, 22 base64url characters)
//! and are compared in constant time.

use std::fmt;

use crate::random::{Random, RandomError};

macro_rules! one_time_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh value with 128 bits of randomness.
            pub fn generate(rng: &dyn Random) -> Result<Self, RandomError> {
                crate::random::random_b64(rng, 16).map(Self)
            }

            /// Wraps a value received from elsewhere (a callback, a token).
            pub fn from_string(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value, for a URL or a comparison.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Constant-time comparison with a received value.
            pub fn matches(&self, received: &str) -> bool {
                crate::constant_time::eq(self.0.as_bytes(), received.as_bytes())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

one_time_value!(
    /// The OAuth 2.0 `state` parameter: binds the callback to the browser
    /// that started the login (CSRF protection, RFC 9700 §2.1).
    State
);

one_time_value!(
    /// The OpenID Connect `nonce`: binds the ID token to this login.
    Nonce
);
