//! The request's live session (needs [`SessionMiddleware`](crate::SessionMiddleware)).

use poem::{Request, RequestBody};
use sesame_reqwest::{LiveSession, SessionSlot};

use crate::SessionRejection;

/// The request's live session: who signed in ([`LiveSession::identity`]),
/// and an access token refreshed when due ([`LiveSession::access_token`]).
/// A request without one is refused with 401 JSON, or a 303 to the login
/// route when the sessions are configured for pages.
#[derive(Debug, Clone)]
pub struct Session(pub LiveSession);

impl std::ops::Deref for Session {
    type Target = LiveSession;
    fn deref(&self) -> &LiveSession {
        &self.0
    }
}

pub(crate) fn live(req: &Request) -> Result<LiveSession, SessionRejection> {
    let slot = req
        .extensions()
        .get::<SessionSlot>()
        .cloned()
        .ok_or_else(|| SessionRejection(sesame_reqwest::session::missing_layer()))?;
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    slot.live(path).map_err(SessionRejection)
}

impl<'a> poem::FromRequest<'a> for Session {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(Session(live(req)?))
    }
}
