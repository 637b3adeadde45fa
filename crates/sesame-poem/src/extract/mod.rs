//! Extractors for endpoints behind [`BearerMiddleware`](crate::BearerMiddleware), one per file.

mod bearer;
mod claims;

pub use bearer::Bearer;
pub use claims::Claims;
