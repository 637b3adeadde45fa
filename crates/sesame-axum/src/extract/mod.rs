//! Extractors, one per file: behind [`BearerLayer`](crate::BearerLayer)
//! ([`Claims`], [`Bearer`]) and behind [`SessionLayer`](crate::SessionLayer)
//! ([`Session`], [`CurrentUser`]).

mod bearer;
mod claims;
mod current_user;
mod session;

pub use bearer::Bearer;
pub use claims::Claims;
pub use current_user::CurrentUser;
pub use session::Session;
