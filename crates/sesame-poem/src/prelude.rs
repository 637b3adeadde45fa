//! The common path in one `use`: `use sesame_poem::prelude::*;`.

pub use crate::{
    Bearer, BearerMiddleware, Claims, CurrentUser, ServerLimits, SesameAuth, Session,
    SessionMiddleware,
};
pub use sesame_core::client::{Client, ClientConfig, Login};
pub use sesame_core::login::LoginService;
pub use sesame_core::provider::Provider;
pub use sesame_core::resource::{AccessClaims, Guard};
pub use sesame_core::seal::{Sealer, SealingKey};
pub use sesame_core::session::{MemorySessionStore, SessionConfig, SessionStorage, Sessions};
pub use sesame_core::{Identity, Tokens};
pub use sesame_reqwest::{BearerAuth, Sesame};
