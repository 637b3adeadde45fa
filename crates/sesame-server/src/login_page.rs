//! What the login page offers besides the password form: its looks and
//! its social-login buttons.

/// Looks and extras of the login page.
#[derive(Debug, Clone, Default)]
pub struct LoginPage {
    /// A page title (default "Sign in").
    pub title: Option<String>,
    /// A stylesheet URL linked from the page.
    pub stylesheet: Option<String>,
    /// Social-login buttons shown under the form.
    pub buttons: Vec<LoginButton>,
}

/// A button on the login page that starts a social login.
///
/// A client may skip the page and go straight to the button's provider by
/// adding `idp={id}` to its authorization request (an identity-provider
/// hint, like Keycloak's `kc_idp_hint`); an unknown `idp` shows the page.
#[derive(Debug, Clone)]
pub struct LoginButton {
    /// The hint that selects this button (`idp={id}`), e.g. `github`.
    pub id: String,
    /// The label, e.g. "Continue with GitHub".
    pub label: String,
    /// The app's login route for the upstream provider, e.g. `/auth/github/login`.
    /// The page appends `return_to=/authorize/continue?authorization=…`, so
    /// that [`AuthServerService::finish_social_login`](crate::AuthServerService::finish_social_login) can resume.
    pub href: String,
}

/// The path social logins return to (`return_to`), carrying the sealed
/// authorization request.
pub const SOCIAL_CONTINUE_PATH: &str = "/authorize/continue";

/// The social-login link of `button`, returning to
/// [`SOCIAL_CONTINUE_PATH`] with the sealed authorization request.
pub(crate) fn social_href(button: &LoginButton, sealed: &str) -> String {
    let sep = if button.href.contains('?') { '&' } else { '?' };
    let resume = format!(
        "{SOCIAL_CONTINUE_PATH}?authorization={}",
        url::form_urlencoded::byte_serialize(sealed.as_bytes()).collect::<String>()
    );
    let return_to: String = url::form_urlencoded::byte_serialize(resume.as_bytes()).collect();
    format!("{}{sep}return_to={return_to}", button.href)
}
