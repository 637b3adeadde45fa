//! Every catalog provider, driven through the Axum adapter against a local
//! fake of its wire protocol: what is *sent* (authorization URL, token
//! request, profile calls) is asserted, not only what comes back.
//!
//! Layout: `tests/wire/<provider>.rs` is one provider's fixture (named like
//! its file in `src/providers/`), `tests/wire/harness.rs` the fake and the
//! login driver they share, and `tests/wire/mod.rs` the list of fixtures.
//! The cases many providers repeat (a refused code, no email, an unverified
//! email) are written as data with `common_cases!`, one named test each
//! (`wire::okta::invalid_grant`, …).
mod wire;
