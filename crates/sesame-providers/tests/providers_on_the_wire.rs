//! Every catalog provider, driven through the Axum adapter against a local
//! fake of its wire protocol: what is *sent* (authorization URL, token
//! request, profile calls) is asserted, not only what comes back.
//!
//! One fixture module per provider under `tests/wire/`.
mod wire;
