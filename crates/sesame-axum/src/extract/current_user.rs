//! The signed-in user (needs [`SessionLayer`](crate::SessionLayer)).

use sesame_core::Identity;

use super::session::{path_and_query, slot_of};
use crate::SessionRejection;

/// The signed-in user only, without token access: the identity, the app's
/// user id and the linked identities. Refused like [`Session`](crate::Session).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Who signed in with this session.
    pub identity: Identity,
    /// The app's user id, when set (by the app or account linking).
    pub user: Option<String>,
    /// Other provider identities linked to this user.
    pub linked: Vec<sesame_core::session::LinkedIdentity>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CurrentUser {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let slot = slot_of(parts)?;
        let data = slot
            .require(path_and_query(parts))
            .map_err(SessionRejection)?;
        Ok(CurrentUser {
            identity: data.identity,
            user: data.user,
            linked: data.linked,
        })
    }
}
