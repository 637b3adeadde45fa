//! The request's live session (needs [`SessionLayer`](crate::SessionLayer)).

use sesame_core::session::Session as SessionData;
use sesame_core::{Identity, Secret};
use sesame_reqwest::SessionSlot;

use crate::SessionRejection;

/// The request's live session: who signed in, and an access token that is
/// refreshed when due. A request without one is refused with 401 JSON, or
/// a 303 to the login route when the sessions are configured for pages.
///
/// ```no_run
/// use sesame_axum::Session;
/// async fn profile(session: Session) -> String {
///     let token = session.access_token().await.ok();
///     format!("{} (token: {})", session.identity().id, token.is_some())
/// }
/// ```
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
    /// refuses it from now on). For a logout at the provider too, send the
    /// browser to the logout route.
    pub async fn end(&self) -> Result<(), sesame_reqwest::Error> {
        self.slot.end().await
    }

    /// The request's slot (to set the app's user id, for example).
    pub fn slot(&self) -> &SessionSlot {
        &self.slot
    }
}

pub(crate) fn slot_of(parts: &http::request::Parts) -> Result<SessionSlot, SessionRejection> {
    parts
        .extensions
        .get::<SessionSlot>()
        .cloned()
        .ok_or_else(|| SessionRejection(sesame_reqwest::session::missing_layer()))
}

pub(crate) fn path_and_query(parts: &http::request::Parts) -> &str {
    parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Session {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let slot = slot_of(parts)?;
        let data = slot
            .require(path_and_query(parts))
            .map_err(SessionRejection)?;
        Ok(Session { data, slot })
    }
}

/// `Option<Session>`: `None` without a live session; still 503 when the
/// session store is down (an unknown state is not "signed out").
impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Session {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let slot = slot_of(parts)?;
        match slot.require(path_and_query(parts)) {
            Ok(data) => Ok(Some(Session { data, slot })),
            Err(refusal) if refusal.error.status() == 401 => Ok(None),
            Err(refusal) => Err(SessionRejection(refusal)),
        }
    }
}
