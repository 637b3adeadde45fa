//! Social-login buttons on the login page: an upstream login (GitHub,
//! Google, …) that resumes the authorization request and ends in this
//! server's own code — the same app token as a password login.

use std::time::SystemTime;

use serde_json::{json, Map};
use sesame_core::http_util::parse_params;
use sesame_core::protocol::ErrorCode;
use sesame_core::random::Random;
use sesame_core::response::{json_response, see_other};

use crate::forms::{PendingAuthorization, AUTHORIZE_PURPOSE};
use crate::login_page::{social_href, LoginButton, SOCIAL_CONTINUE_PATH};
use crate::users::User;
use crate::{AuthServerService, AuthorizationRequest};

impl AuthServerService {
    /// Ends a social login in the app's own authorization code: when the
    /// upstream `login` returns to [`SOCIAL_CONTINUE_PATH`] with a sealed
    /// authorization request, approves it for the user
    /// `{provider}:{id}` with the identity's claims, and answers the redirect
    /// back to the client. `None` when the login was not started from the
    /// login page (handle it as a normal login).
    ///
    /// Password and social logins thus end in the same kind of app token.
    pub async fn finish_social_login(
        &self,
        login: &sesame_core::client::Login,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Option<http::Response<Vec<u8>>> {
        let return_to = login.return_to.as_deref()?;
        let query = return_to
            .strip_prefix(SOCIAL_CONTINUE_PATH)?
            .strip_prefix('?')?;
        let pairs = parse_params(query.as_bytes(), crate::MAX_PARAMS_LEN * 2).ok()?;
        let sealed = pairs.into_iter().find(|(k, _)| k == "authorization")?.1;
        let Some(request) = self.open_pending(&sealed, now) else {
            return Some(
                self.error_page("this sign-in has expired; start again from the application"),
            );
        };
        let id = &login.identity;
        let mut claims = Map::new();
        claims.insert("idp".into(), json!(id.provider));
        if let Some(e) = &id.email {
            claims.insert("email".into(), json!(e));
            claims.insert("email_verified".into(), json!(id.email_verified));
        }
        for (k, v) in [
            ("name", &id.name),
            ("picture", &id.picture),
            ("preferred_username", &id.preferred_username),
        ] {
            if let Some(v) = v {
                claims.insert(k.into(), json!(v));
            }
        }
        let user = User {
            subject: format!("{}:{}", id.provider, id.id),
            claims,
        };
        Some(self.approve_for(&request, user, now, rng).await)
    }

    /// Opens the sealed authorization request of a login form (for social
    /// buttons that carry it through an upstream login).
    pub fn open_pending(&self, sealed: &str, now: SystemTime) -> Option<AuthorizationRequest> {
        self.sealer
            .open_json::<PendingAuthorization>(AUTHORIZE_PURPOSE, sealed, now)
            .ok()
            .map(|p| p.request)
    }

    /// The button an `idp` hint in the authorization request selects.
    pub(crate) fn hinted_button(&self, query: &str) -> Option<&LoginButton> {
        let pairs = parse_params(query.as_bytes(), crate::MAX_PARAMS_LEN).ok()?;
        let idp = pairs.into_iter().find(|(k, _)| k == "idp")?.1;
        self.page.buttons.iter().find(|b| b.id == idp)
    }

    /// Skips the login page: straight to the button's social login, which
    /// resumes this authorization request when it ends.
    pub(crate) fn start_social(
        &self,
        button: &LoginButton,
        pending: &PendingAuthorization,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        match self.sealer.seal_json(AUTHORIZE_PURPOSE, pending, now, rng) {
            Ok(sealed) => see_other(&social_href(button, &sealed)),
            Err(_) => json_response(
                503,
                &json!({"error": ErrorCode::TemporarilyUnavailable.as_str()}),
            ),
        }
    }
}
