//! The request's live session (needs [`SessionMiddleware`](crate::SessionMiddleware)).

use poem::{Request, RequestBody};
use sesame_core::session::Session as SessionData;
use sesame_core::{Identity, Secret};
use sesame_reqwest::SessionSlot;

use crate::SessionRejection;

/// The request's live session: who signed in, and an access token that is
/// refreshed when due. A request without one is refused with 401 JSON, or
/// a 303 to the login route when the sessions are configured for pages.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session as loaded for this request.
    pub data: SessionData,
    slot: SessionSlot,
}

impl Session {
    /// Who signed in.
    pub fn identity(&self) -> &Identity {
        &self.data.identity
    }

    /// An access token that does not expire within the refresh margin:
    /// refreshed at the provider when due, once per session even under
    /// concurrent requests. A refused refresh ends the session.
    pub async fn access_token(&self) -> Result<Secret, sesame_reqwest::Error> {
        self.slot.access_token().await
    }

    /// Ends the session (this response clears the cookie; every instance
    /// refuses it from now on).
    pub async fn end(&self) -> Result<(), sesame_reqwest::Error> {
        self.slot.end().await
    }

    /// The request's slot (to set the app's user id, for example).
    pub fn slot(&self) -> &SessionSlot {
        &self.slot
    }
}

pub(crate) fn require(req: &Request) -> Result<(SessionData, SessionSlot), SessionRejection> {
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
    let data = slot.require(path).map_err(SessionRejection)?;
    Ok((data, slot))
}

impl<'a> poem::FromRequest<'a> for Session {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let (data, slot) = require(req)?;
        Ok(Session { data, slot })
    }
}
