//! # sesame-docs
//!
//! The guides in `docs/` (and the README) as rustdoc: each guide is the
//! documentation of one module below, so that `cargo test -p sesame-docs
//! --doc` compiles every Rust code block in them against the current API.
//! Blocks that would touch the network are `no_run`; the others run, some
//! with hidden assertions. The crate has no code of its own and is not
//! published; read the guides in `docs/`, or here, rendered.
//!
//! Code blocks keep to what a reader needs; setup they leave out (a
//! secret read from the environment, a value from an earlier block, an
//! app's own types) is in hidden lines (`# `), visible in the Markdown
//! source.

#![deny(missing_docs)]

/// The README: what Sesame is, and the two quickstarts.
#[doc = include_str!("../../../README.md")]
pub mod readme {}

/// How a provider is described: endpoints, quirks, and the mapping to an `Identity`.
#[doc = include_str!("../../../docs/adding-a-provider.md")]
pub mod adding_a_provider {}

/// Sender-constrained tokens and modern client authentication: DPoP, PAR, `private_key_jwt`, FAPI 2.0.
#[doc = include_str!("../../../docs/dpop-par.md")]
pub mod dpop_par {}

/// How the crates fit together.
#[doc = include_str!("../../../docs/architecture.md")]
pub mod architecture {}

/// Being an OAuth 2.0 / OpenID Connect authorization server for your own clients.
#[doc = include_str!("../../../docs/authorization-server.md")]
pub mod authorization_server {}

/// What the benchmarks measure, and how to run them.
#[doc = include_str!("../../../docs/benchmarks.md")]
pub mod benchmarks {}

/// Configuring logins: providers, clients, cookie keys, errors.
#[doc = include_str!("../../../docs/configuration.md")]
pub mod configuration {}

/// How to embed the core in a runtime of your own.
#[doc = include_str!("../../../docs/embedding.md")]
pub mod embedding {}

/// Swagger UI's "Authorize" button, signing in for real.
#[doc = include_str!("../../../docs/openapi.md")]
pub mod openapi {}

/// The provider catalog.
#[doc = include_str!("../../../docs/providers.md")]
pub mod providers {}

/// Protecting an API with bearer tokens.
#[doc = include_str!("../../../docs/resource-server.md")]
pub mod resource_server {}

/// Sessions after the login: storage, refresh, logout, linking.
#[doc = include_str!("../../../docs/sessions.md")]
pub mod sessions {}

/// Security properties and the threat model.
#[doc = include_str!("../../../docs/security.md")]
pub mod security {}
