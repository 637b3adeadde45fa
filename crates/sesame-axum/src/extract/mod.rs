//! Extractors for handlers behind [`BearerLayer`](crate::BearerLayer), one per file.

mod bearer;
mod claims;

pub use bearer::Bearer;
pub use claims::Claims;
