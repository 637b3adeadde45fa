//! Sessions after the login: storage, timeouts, refresh, logout (local,
//! RP-initiated and back-channel) and account linking, as rules free of
//! I/O.
//!
//! # The life of a session
//!
//! ```text
//!  callback ── Login ──▶ Sessions::begin (fresh id: no fixation; iss, sid of the ID token)
//!                         Sessions::save → Set-Cookie (+ sealed record for server storage)
//!  request ── Cookie ──▶ Sessions::read_cookie → SessionProbe (keys)
//!                         store.get_many(keys)   — one round trip
//!                         Sessions::resolve → Session, or SessionEnd (logged out, idle, expired)
//!                         Sessions::touch → save again now and then (idle timeout)
//!  fresh token ────────▶ Sessions::refresh_due → one refresh per session (see [`refresh`])
//!  GET /logout ────────▶ Sessions::end (markers) + Sessions::logout → 303 to end_session_endpoint
//!  back from provider ─▶ Sessions::logout_return (state check)
//!  POST back-channel ──▶ LogoutTokenValidator::validate, jti_write (put_new), backchannel_writes
//! ```
//!
//! # Two storage modes, one store
//!
//! [`SessionStorage::Server`] (the default) keeps the session, sealed, in
//! the [`SessionStore`] and only a sealed reference in the cookie;
//! [`SessionStorage::Cookie`] keeps the whole session, sealed, in the
//! cookie (stateless, but limited to [`MAX_COOKIE_LEN`]). Both consult the
//! store's revocation markers on every request — by session id (logout),
//! by the provider's `sid` and by `sub` (back-channel logout) — so an
//! ended session's old cookie is refused on every instance. Keys are
//! hashes and values that hold tokens are sealed: a dump of the store
//! reveals no usable token or id.
//!
//! ```
//! use std::time::SystemTime;
//! use sesame_core::session::{SessionConfig, Sessions, SessionStorage};
//! use sesame_core::seal::{Sealer, SealingKey};
//!
//! let sessions = Sessions::new(
//!     SessionConfig::default().storage(SessionStorage::Cookie),
//!     Sealer::new(SealingKey::from_bytes([7; 32])),
//! );
//! // A request without the cookie has no session.
//! assert!(sessions.read_cookie(["other=1"], SystemTime::now()).is_none());
//! ```

mod backchannel;
mod config;
mod error;
pub mod linking;
mod logout;
mod record;
pub mod refresh;
mod sessions;
mod store;

pub use backchannel::{
    backchannel_response, logout_token_from_form, LogoutToken, LogoutTokenValidator,
    BACKCHANNEL_LOGOUT_EVENT, MAX_LOGOUT_BODY,
};
pub use config::{SessionConfig, SessionStorage, Unauthenticated};
pub use error::{LogoutTokenError, SessionEnd, SessionError, SessionStoreError};
pub use linking::{safe_default, LinkDecision, LinkPolicy, LinkRequest, LINK_COOKIE};
pub use logout::{LogoutRedirect, LogoutTarget, LOGOUT_COOKIE};
pub use record::{LinkedIdentity, Session, SessionId, SessionTokens};
pub use sessions::{SessionEnding, SessionProbe, SessionSave, Sessions, MAX_COOKIE_LEN};
pub use store::{hash_key, MemorySessionStore, SessionStore, StoreWrite, DEFAULT_MEMORY_CAPACITY};
