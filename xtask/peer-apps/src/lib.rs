//! Shared bits of the `cargo xtask bench --peers` apps: the env they read.
//!
//! Every app reads `PEER_IDP` (the mock IdP's base URL, e.g.
//! `http://127.0.0.1:4000`) and `PEER_BIND` (its listen address); its
//! redirect URI is `http://{PEER_BIND}/callback`. Each serves `GET /login`
//! (a redirect to `{PEER_IDP}/authorize` carrying `state`, with the login's
//! cookies) and `GET /callback?code=…&state=…` (one token request, one
//! userinfo request, 200 with the user as JSON).
//!
//! The `/token` part's `sesame-token` reads only `PEER_BIND` and is
//! registered with the same client id and secret.

/// The client id every app is registered with at the mock IdP.
pub const CLIENT_ID: &str = "bench-client";
/// Its secret (HTTP Basic at the token endpoint).
pub const CLIENT_SECRET: &str = "bench-secret";

/// `(idp base URL, bind address)` from the env.
pub fn env() -> Result<(String, String), String> {
    let var = |k: &str| std::env::var(k).map_err(|_| format!("{k} is required"));
    Ok((
        var("PEER_IDP")?.trim_end_matches('/').to_owned(),
        var("PEER_BIND")?,
    ))
}
