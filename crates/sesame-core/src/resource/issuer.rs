//! The issuers an API trusts, and where their keys come from.

use url::Url;

use crate::jose::{Algorithm, JwkSet};
use crate::step::KeyRequest;

/// Where a trusted issuer's verification keys come from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum IssuerKeys {
    /// Fetched from this JWKS URI by the driver (cached; refetched once,
    /// rate-limited, when a token names an unknown `kid`).
    Remote(Url),
    /// A fixed key set configured by the app: nothing is fetched, and an
    /// unknown `kid` is simply an invalid token. Rotate by reconfiguring.
    Static(JwkSet),
}

/// What [`BearerValidator::keys_for`](super::BearerValidator::keys_for) says a token needs. Exhaustive on
/// purpose: a driver must handle every way of getting keys.
#[derive(Debug)]
pub enum KeySource<'a> {
    /// Get the key set this request names (from a JWKS cache).
    Fetch(KeyRequest),
    /// Validate with these configured keys.
    Static(&'a JwkSet),
}

/// An issuer whose tokens the API accepts.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TrustedIssuer {
    /// The exact `iss`.
    pub issuer: String,
    /// Where its keys are: a JWKS URI (from its metadata, or configured)
    /// or a static key set.
    pub keys: IssuerKeys,
    /// Accepted audiences (`aud` must contain one); empty accepts any.
    pub audiences: Vec<String>,
    /// Allowed signature algorithms.
    pub algorithms: Vec<Algorithm>,
    /// Require `typ: at+jwt` (RFC 9068). On by default.
    pub require_at_jwt: bool,
}

impl TrustedIssuer {
    /// An issuer with its JWKS URI and the audience this API is.
    pub fn new(issuer: &str, jwks_uri: Url, audience: &str) -> Self {
        Self::with(issuer, IssuerKeys::Remote(jwks_uri), audience)
    }

    /// An issuer whose keys are configured, not fetched (a JWKS document
    /// shipped with the app, parsed with [`JwkSet::parse`]).
    pub fn with_static_keys(issuer: &str, keys: JwkSet, audience: &str) -> Self {
        Self::with(issuer, IssuerKeys::Static(keys), audience)
    }

    fn with(issuer: &str, keys: IssuerKeys, audience: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            keys,
            audiences: vec![audience.to_owned()],
            algorithms: Algorithm::ASYMMETRIC.to_vec(),
            require_at_jwt: true,
        }
    }

    /// Accepts tokens without `typ: at+jwt` (issuers that predate RFC 9068).
    pub fn allow_plain_jwt(mut self) -> Self {
        self.require_at_jwt = false;
        self
    }
}
