//! Extractors, one per file: behind [`BearerMiddleware`](crate::BearerMiddleware)
//! ([`Claims`], [`Bearer`]) and behind [`SessionMiddleware`](crate::SessionMiddleware)
//! ([`Session`], [`CurrentUser`]).

mod bearer;
mod claims;
mod current_user;
mod session;

pub use bearer::Bearer;
pub use claims::Claims;
pub use current_user::CurrentUser;
pub use session::Session;
