//! One module per provider; each is a short, mostly declarative file.
//!
//! Conventions: a module `x` exports `pub fn x(..) -> Provider` and
//! `pub(crate) fn entry() -> Entry` (its catalog row); constructor
//! failures are impossible for the fixed URLs used here, so they go through
//! [`build`], which turns a configuration bug into a test failure, not a
//! runtime panic for users.

use sesame_core::provider::Provider;
use sesame_core::ConfigError;

use crate::Entry;

mod apple;
mod batch_a;
mod batch_b;
mod generic;
mod github;
mod google;
mod microsoft;

pub use apple::apple;
#[allow(unused_imports)] // filled by the catalog batches
pub use batch_a::*;
#[allow(unused_imports)]
pub use batch_b::*;
pub use generic::{oauth2, openid};
pub use github::github;
pub use google::google;
pub use microsoft::microsoft;

/// Unwraps a provider built from the catalog's own constant URLs.
///
/// Those URLs are fixed in this crate and covered by its tests, so an error
/// here is a bug in the catalog; it degrades to a provider whose endpoints
/// point nowhere rather than a panic.
pub(crate) fn build(result: Result<Provider, ConfigError>) -> Provider {
    result.unwrap_or_else(|_| {
        Provider::oauth2(
            "invalid",
            "Invalid",
            "https://invalid.invalid/",
            "https://invalid.invalid/",
        )
        .unwrap_or_else(|_| unreachable!("constant https urls parse"))
    })
}

pub(crate) fn entries() -> Vec<Entry> {
    let mut all = vec![
        google::entry(),
        microsoft::entry(),
        github::entry(),
        apple::entry(),
    ];
    all.extend(batch_a::entries());
    all.extend(batch_b::entries());
    all.extend([generic::entry_openid(), generic::entry_oauth2()]);
    all
}
