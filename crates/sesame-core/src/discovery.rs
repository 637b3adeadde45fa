//! Provider metadata: OpenID Connect Discovery 1.0 and RFC 8414.
//!
//! The metadata's `issuer` must equal the configured issuer exactly
//! (Discovery §4.3); otherwise [`DiscoveryError::IssuerMismatch`] stops the
//! login before the user is redirected anywhere.
//!
//! ```
//! let url = sesame_core::discovery::discovery_url("https://id.example.com/realms/main").unwrap();
//! assert_eq!(url.as_str(), "https://id.example.com/realms/main/.well-known/openid-configuration");
//! ```

use serde_json::{Map, Value};
use url::Url;

use crate::jose::Algorithm;

/// Why provider metadata could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The configured issuer is not an absolute https URL (http only on loopback).
    #[error("issuer is not a valid https url")]
    InvalidIssuer,
    /// The metadata endpoint answered with a non-success status.
    #[error("metadata endpoint answered status {0}")]
    Status(u16),
    /// The metadata is not a JSON object.
    #[error("metadata is not a json object")]
    Malformed,
    /// A required field is missing or has the wrong type.
    #[error("metadata field {0} is missing or invalid")]
    InvalidField(&'static str),
    /// The metadata's `issuer` differs from the configured issuer.
    #[error("metadata issuer does not match the configured issuer")]
    IssuerMismatch,
}

/// Where the metadata document lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataKind {
    /// `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery).
    OpenId,
    /// `{origin}/.well-known/oauth-authorization-server{path}` (RFC 8414).
    OAuth,
}

/// Checks that `url` is https, or http on a loopback host (for development and tests).
pub fn is_secure_url(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => {
            matches!(
                url.host(),
                Some(url::Host::Domain("localhost"))
                    | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
                    | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
            ) || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        }
        _ => false,
    }
}

/// The OpenID Connect discovery URL of an issuer.
pub fn discovery_url(issuer: &str) -> Result<Url, DiscoveryError> {
    metadata_url(issuer, MetadataKind::OpenId)
}

/// The metadata URL of an issuer for either kind of document.
pub fn metadata_url(issuer: &str, kind: MetadataKind) -> Result<Url, DiscoveryError> {
    let base = Url::parse(issuer).map_err(|_| DiscoveryError::InvalidIssuer)?;
    if !is_secure_url(&base) || base.query().is_some() || base.fragment().is_some() {
        return Err(DiscoveryError::InvalidIssuer);
    }
    let path = base.path().trim_end_matches('/');
    let new_path = match kind {
        MetadataKind::OpenId => format!("{path}/.well-known/openid-configuration"),
        MetadataKind::OAuth => format!("/.well-known/oauth-authorization-server{path}"),
    };
    let mut url = base.clone();
    url.set_path(&new_path);
    Ok(url)
}

/// The cache key of an issuer's metadata: the issuer, plus the issuer the
/// metadata declares when that differs (joined by `#`, which no issuer contains).
pub fn cache_key(issuer: &str, metadata_issuer: Option<&str>) -> String {
    match metadata_issuer {
        Some(m) if m != issuer => format!("{issuer}#{m}"),
        _ => issuer.to_owned(),
    }
}

/// Splits a [`cache_key`] into the discovery issuer and the expected metadata issuer.
pub fn split_cache_key(key: &str) -> (&str, &str) {
    key.split_once('#').unwrap_or((key, key))
}

/// The GET request for an issuer's OpenID Connect metadata.
pub fn discovery_request(issuer: &str) -> Result<http::Request<Vec<u8>>, DiscoveryError> {
    let url = discovery_url(issuer)?;
    Ok(crate::http_util::get(&url))
}

/// An issuer's metadata: everything the client flow needs to know about its endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderMetadata {
    /// The issuer identifier (`None` for plain OAuth 2.0 providers with no issuer).
    pub issuer: Option<String>,
    /// The authorization endpoint.
    pub authorization_endpoint: Url,
    /// The token endpoint.
    pub token_endpoint: Url,
    /// The userinfo endpoint, if any.
    pub userinfo_endpoint: Option<Url>,
    /// The JWKS URI, if any.
    pub jwks_uri: Option<Url>,
    /// The revocation endpoint (RFC 7009), if any.
    pub revocation_endpoint: Option<Url>,
    /// The introspection endpoint (RFC 7662), if any.
    pub introspection_endpoint: Option<Url>,
    /// The end-session endpoint, if any.
    pub end_session_endpoint: Option<Url>,
    /// The pushed authorization request endpoint (RFC 9126), if any.
    pub pushed_authorization_request_endpoint: Option<Url>,
    /// Whether the provider takes authorization requests only when pushed
    /// (RFC 9126 §5).
    pub require_pushed_authorization_requests: bool,
    /// Whether the provider puts `iss` in authorization responses (RFC 9207).
    pub authorization_response_iss_parameter_supported: bool,
    /// PKCE methods the provider advertises (empty when not advertised).
    pub code_challenge_methods_supported: Vec<String>,
    /// Token endpoint client authentication methods advertised.
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// ID token signature algorithms advertised that Sesame implements.
    pub id_token_signing_alg_values_supported: Vec<Algorithm>,
    /// Scopes advertised.
    pub scopes_supported: Vec<String>,
    /// The whole document.
    pub raw: Map<String, Value>,
}

impl ProviderMetadata {
    /// Every endpoint URL, for inspection.
    pub fn urls(&self) -> Vec<&Url> {
        let mut v = vec![&self.authorization_endpoint, &self.token_endpoint];
        v.extend(
            [
                &self.userinfo_endpoint,
                &self.jwks_uri,
                &self.revocation_endpoint,
                &self.introspection_endpoint,
                &self.end_session_endpoint,
                &self.pushed_authorization_request_endpoint,
            ]
            .into_iter()
            .flatten(),
        );
        v
    }

    /// Every endpoint URL, for rewriting.
    pub fn urls_mut(&mut self) -> Vec<&mut Url> {
        let mut v = vec![&mut self.authorization_endpoint, &mut self.token_endpoint];
        v.extend(
            [
                &mut self.userinfo_endpoint,
                &mut self.jwks_uri,
                &mut self.revocation_endpoint,
                &mut self.introspection_endpoint,
                &mut self.end_session_endpoint,
                &mut self.pushed_authorization_request_endpoint,
            ]
            .into_iter()
            .flatten(),
        );
        v
    }

    /// Metadata for a provider with fixed endpoints (no discovery).
    pub fn new(authorization_endpoint: Url, token_endpoint: Url) -> Self {
        Self {
            issuer: None,
            authorization_endpoint,
            token_endpoint,
            userinfo_endpoint: None,
            jwks_uri: None,
            revocation_endpoint: None,
            introspection_endpoint: None,
            end_session_endpoint: None,
            pushed_authorization_request_endpoint: None,
            require_pushed_authorization_requests: false,
            authorization_response_iss_parameter_supported: false,
            code_challenge_methods_supported: Vec::new(),
            token_endpoint_auth_methods_supported: Vec::new(),
            id_token_signing_alg_values_supported: Vec::new(),
            scopes_supported: Vec::new(),
            raw: Map::new(),
        }
    }

    /// Parses a metadata response and checks its issuer against `expected_issuer`.
    ///
    /// `expected_issuer` is compared byte for byte, as Discovery §4.3 requires.
    pub fn from_response(
        expected_issuer: &str,
        response: &http::Response<Vec<u8>>,
    ) -> Result<Self, DiscoveryError> {
        if !response.status().is_success() {
            return Err(DiscoveryError::Status(response.status().as_u16()));
        }
        Self::from_json(expected_issuer, response.body())
    }

    /// Parses a metadata document and checks its issuer.
    pub fn from_json(expected_issuer: &str, body: &[u8]) -> Result<Self, DiscoveryError> {
        let raw: Map<String, Value> = match serde_json::from_slice(body) {
            Ok(Value::Object(m)) => m,
            _ => return Err(DiscoveryError::Malformed),
        };
        let issuer = raw
            .get("issuer")
            .and_then(Value::as_str)
            .ok_or(DiscoveryError::InvalidField("issuer"))?;
        if issuer != expected_issuer {
            return Err(DiscoveryError::IssuerMismatch);
        }
        let url = |name: &'static str| -> Result<Option<Url>, DiscoveryError> {
            match raw.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => {
                    let u = Url::parse(s).map_err(|_| DiscoveryError::InvalidField(name))?;
                    if is_secure_url(&u) {
                        Ok(Some(u))
                    } else {
                        Err(DiscoveryError::InvalidField(name))
                    }
                }
                Some(_) => Err(DiscoveryError::InvalidField(name)),
            }
        };
        let strings = |name: &'static str| -> Vec<String> {
            raw.get(name)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut meta = ProviderMetadata::new(
            url("authorization_endpoint")?
                .ok_or(DiscoveryError::InvalidField("authorization_endpoint"))?,
            url("token_endpoint")?.ok_or(DiscoveryError::InvalidField("token_endpoint"))?,
        );
        meta.issuer = Some(issuer.to_owned());
        meta.userinfo_endpoint = url("userinfo_endpoint")?;
        meta.jwks_uri = url("jwks_uri")?;
        meta.revocation_endpoint = url("revocation_endpoint")?;
        meta.introspection_endpoint = url("introspection_endpoint")?;
        meta.end_session_endpoint = url("end_session_endpoint")?;
        meta.pushed_authorization_request_endpoint = url("pushed_authorization_request_endpoint")?;
        meta.require_pushed_authorization_requests = raw
            .get("require_pushed_authorization_requests")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        meta.authorization_response_iss_parameter_supported = raw
            .get("authorization_response_iss_parameter_supported")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        meta.code_challenge_methods_supported = strings("code_challenge_methods_supported");
        meta.token_endpoint_auth_methods_supported =
            strings("token_endpoint_auth_methods_supported");
        meta.id_token_signing_alg_values_supported =
            strings("id_token_signing_alg_values_supported")
                .iter()
                .filter_map(|a| Algorithm::parse(a).ok())
                .collect();
        meta.scopes_supported = strings("scopes_supported");
        meta.raw = raw;
        Ok(meta)
    }
}
