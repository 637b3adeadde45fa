//! A refusal together with the realm to name in it, as the web adapters'
//! extractors answer it.

use super::BearerError;

/// The realm of the layer that validated a request. The adapters' layers
/// leave it in the request's extensions, so that their extractors refuse
/// in the same realm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm(pub String);

impl Realm {
    /// The realm named when no layer left one.
    pub const DEFAULT: &'static str = "api";

    /// The realm in `extensions`, or [`Realm::DEFAULT`].
    pub fn of(extensions: &http::Extensions) -> &str {
        extensions
            .get::<Realm>()
            .map_or(Self::DEFAULT, |r| r.0.as_str())
    }
}

/// Why an extractor refused a request, in the realm of the layer that
/// validated it (401 without a validated token, 403 for claims that don't
/// fit the app's type), and in its scheme: when the layer left
/// [`AuthScheme::Dpop`](super::AuthScheme::Dpop) in the extensions, the
/// refusal is answered with a `DPoP` challenge.
///
/// ```
/// use sesame_core::resource::{BearerError, Realm, Refusal};
/// let mut ext = http::Extensions::new();
/// ext.insert(Realm("my-api".into()));
/// let r = Refusal::in_realm_of(&ext, BearerError::Missing).to_response();
/// assert_eq!(r.status(), 401);
/// assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"my-api\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct Refusal {
    /// The refusal.
    pub error: BearerError,
    /// The realm named in `WWW-Authenticate`.
    pub realm: String,
}

impl Refusal {
    /// `error`, in the realm the request's extensions carry.
    pub fn in_realm_of(extensions: &http::Extensions, error: BearerError) -> Self {
        let error = match extensions.get::<super::AuthScheme>() {
            Some(super::AuthScheme::Dpop) => error.under_dpop(),
            _ => error,
        };
        Self {
            error,
            realm: Realm::of(extensions).to_owned(),
        }
    }

    /// The RFC 6750 answer.
    pub fn to_response(&self) -> http::Response<Vec<u8>> {
        self.error.to_response(&self.realm)
    }
}
