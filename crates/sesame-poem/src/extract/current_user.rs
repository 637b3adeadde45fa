//! The signed-in user (needs [`SessionMiddleware`](crate::SessionMiddleware)).

use poem::{Request, RequestBody};
use sesame_core::Identity;

use super::session::live;

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

impl<'a> poem::FromRequest<'a> for CurrentUser {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let data = live(req)?.data;
        Ok(CurrentUser {
            identity: data.identity,
            user: data.user,
            linked: data.linked,
        })
    }
}
