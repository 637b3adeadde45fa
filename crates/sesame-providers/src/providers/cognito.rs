use sesame_core::identity::{claim_string, Identity};
use sesame_core::provider::{ApiCall, ClientAuth, Profile, Provider};

use crate::{Entry, Kind};

/// Amazon Cognito user pool (OpenID Connect with fixed endpoints).
///
/// `domain` is the user pool's domain — the prefix domain
/// `myapp.auth.us-east-1.amazoncognito.com` or a custom domain — where the
/// authorize, token and `oauth2/userInfo` endpoints live; the issuer and
/// JWKS are `https://cognito-idp.{region}.amazonaws.com/{user_pool_id}`.
///
/// Scopes `openid email profile`; PKCE (S256); `client_secret_post`:
/// Cognito is reported to accept HTTP Basic only without PKCE, and the
/// secret in the body in both cases. `userInfo` sends `email_verified` as
/// the *string* `"true"`/`"false"`; it is read as a boolean.
/// `preferred_username` is the pool user name.
///
/// Cognito has no OpenID `end_session_endpoint`; its documented sign-out is
/// `https://{domain}/logout?client_id=…&logout_uri=…` (`logout_uri` one of
/// the app client's allowed sign-out URLs). Give it to the session logout
/// with [`Provider::logout_page`]:
///
/// ```
/// let p = sesame_providers::cognito("myapp.auth.us-east-1.amazoncognito.com", "us-east-1", "us-east-1_AbC")
///     .logout_page("https://myapp.auth.us-east-1.amazoncognito.com/logout?client_id=my-client&logout_uri=https%3A%2F%2Fapp.example.com%2F")
///     .unwrap();
/// assert!(p.logout_url.is_some());
/// ```
pub fn cognito(domain: &str, region: &str, user_pool_id: &str) -> Provider {
    let base = super::base_url(domain);
    let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}");
    let built = Provider::openid_static(
        "cognito",
        "Amazon Cognito",
        &issuer,
        &format!("{base}/oauth2/authorize"),
        &format!("{base}/oauth2/token"),
        &format!("{issuer}/.well-known/jwks.json"),
    )
    .and_then(|p| p.userinfo_url(&format!("{base}/oauth2/userInfo")))
    .map(|p| {
        p.client_auth(ClientAuth::Post)
            .call(ApiCall::userinfo().optional())
            .map_identity(map)
    });
    super::build(built)
}

fn map(p: &Profile<'_>) -> Result<Identity, String> {
    let mut id = super::standard(p)?;
    let claims = p.merged_claims();
    id.preferred_username = id
        .preferred_username
        .or_else(|| claim_string(&claims, "username"))
        .or_else(|| claim_string(&claims, "cognito:username"));
    Ok(id)
}

pub(crate) fn entry() -> Entry {
    Entry {
        provider: cognito("your-domain.auth.us-east-1.amazoncognito.com", "us-east-1", "us-east-1_EXAMPLE"),
        kind: Kind::OidcStatic,
        constructor: "cognito(\"your-domain.auth.us-east-1.amazoncognito.com\", \"us-east-1\", \"us-east-1_EXAMPLE\")",
        fields: &["id", "email", "email_verified", "name", "given_name", "family_name", "preferred_username", "picture", "locale"],
        register: "an app client with a client secret in the user pool (Authorization code grant; scopes openid, email, profile) and a user pool domain",
    }
}
