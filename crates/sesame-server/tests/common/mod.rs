//! Shared fixtures: the core's simulated OpenID Provider (deterministic
//! keys, clock and randomness) and the authorization server's own.
#![allow(dead_code, unused_imports)]

#[path = "../../../sesame-core/tests/common/mod.rs"]
mod provider;
pub use provider::*;

pub mod server;
