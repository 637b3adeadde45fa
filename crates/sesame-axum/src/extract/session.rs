//! The request's live session (needs [`SessionLayer`](crate::SessionLayer)).

use sesame_reqwest::{LiveSession, SessionSlot};

use crate::SessionRejection;

/// The request's live session: who signed in ([`LiveSession::identity`]),
/// and an access token refreshed when due ([`LiveSession::access_token`]).
/// A request without one is refused with 401 JSON, or a 303 to the login
/// route when the sessions are configured for pages.
///
/// ```no_run
/// use sesame_axum::Session;
/// async fn profile(session: Session) -> String {
///     let token = session.access_token().await.ok();
///     format!("{} (token: {})", session.identity().id, token.is_some())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Session(pub LiveSession);

impl std::ops::Deref for Session {
    type Target = LiveSession;
    fn deref(&self) -> &LiveSession {
        &self.0
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
        slot.live(path_and_query(parts))
            .map(Session)
            .map_err(SessionRejection)
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
        match slot.live(path_and_query(parts)) {
            Ok(live) => Ok(Some(Session(live))),
            Err(refusal) if refusal.error.status() == 401 => Ok(None),
            Err(refusal) => Err(SessionRejection(refusal)),
        }
    }
}
