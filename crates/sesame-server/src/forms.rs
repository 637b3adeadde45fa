//! The sealed states the login and consent forms carry: the authorization
//! request (and, for consent, the signed-in user), with the form's CSRF value.

use serde_json::{Map, Value};

use crate::AuthorizationRequest;

/// The purpose the login form's state is sealed under.
pub(crate) const AUTHORIZE_PURPOSE: &str = "sesame/authorize/v1";
/// The purpose the consent form's state is sealed under.
pub(crate) const CONSENT_PURPOSE: &str = "sesame/consent/v1";

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct PendingConsent {
    pub(crate) request: AuthorizationRequest,
    pub(crate) subject: String,
    pub(crate) claims: Map<String, Value>,
    pub(crate) csrf: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct PendingAuthorization {
    pub(crate) request: AuthorizationRequest,
    pub(crate) csrf: String,
}
