//! The token request: grant fields, client authentication (basic, post,
//! none, minted secrets) and the body format the provider wants.

use std::borrow::Cow;
use std::time::SystemTime;

use serde_json::{Map, Value};

use super::config::ClientSecret;
use super::dpop::Prover;
use super::Client;
use crate::discovery::ProviderMetadata;
use crate::dpop::DPOP_HEADER;
use crate::error::{ConfigError, LoginError};
use crate::http_util;
use crate::protocol::Endpoint;
use crate::provider::{BodyFormat, ClientAuth};
use crate::step::Outgoing;

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a client assertion is valid.
const ASSERTION_LIFETIME: u64 = 60;

impl Client {
    /// A `private_key_jwt` assertion: `iss` = `sub` = the client id, `aud` =
    /// the issuer identifier (RFC 7523bis; the token endpoint when the
    /// metadata names no issuer), `iat`, `exp` a minute later, and a `jti`
    /// unique to this request (derived from the clock in nanoseconds, the
    /// request's fields, which hold a single-use code or token, and its DPoP
    /// proof, whose `jti` is fresh).
    fn client_assertion(
        &self,
        key: &crate::jose::SigningKey,
        metadata: &ProviderMetadata,
        fields: &[(Cow<'_, str>, Cow<'_, str>)],
        now: SystemTime,
        proof: Option<&str>,
    ) -> Result<crate::Secret, LoginError> {
        let iat = crate::time::unix_seconds(now);
        let nanos = now
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            .to_string();
        let mut parts: Vec<&str> = vec![&self.config.client_id, &nanos];
        parts.extend(fields.iter().map(|(_, v)| v.as_ref()));
        // A retry with a DPoP nonce repeats the fields: its proof differs.
        parts.extend(proof);
        let jti = crate::session::hash_key(&parts);
        let aud = metadata
            .issuer
            .clone()
            .unwrap_or_else(|| metadata.token_endpoint.to_string());
        let claims = serde_json::json!({
            "iss": self.config.client_id,
            "sub": self.config.client_id,
            "aud": aud,
            "jti": jti,
            "iat": iat,
            "exp": iat + ASSERTION_LIFETIME,
        });
        let claims = claims.as_object().cloned().unwrap_or_default();
        key.sign_claims(None, &claims)
            .map(crate::Secret::new)
            .map_err(|_| ConfigError::ClientSecret.into())
    }

    /// A token request with `fields`, and a DPoP proof from `prover` when
    /// the client uses DPoP.
    pub(super) fn token_request(
        &self,
        metadata: &ProviderMetadata,
        fields: &[(String, String)],
        now: SystemTime,
        prover: Option<&mut Prover>,
    ) -> Result<Outgoing, LoginError> {
        let url = &metadata.token_endpoint;
        let proof = prover
            .map(|p| p.proof(&http::Method::POST, url, now, None))
            .transpose()?;
        let fields = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.authenticated_request(
            metadata,
            Endpoint::Token,
            url,
            fields,
            now,
            proof.as_deref(),
        )
    }

    /// A POST to `url` (the token or the pushed authorization request
    /// endpoint) with `fields`, the client's authentication and, with
    /// DPoP, the request's `proof`. The provider's extra token parameters
    /// go to the token endpoint only.
    pub(super) fn authenticated_request(
        &self,
        metadata: &ProviderMetadata,
        endpoint: Endpoint,
        url: &url::Url,
        fields: Vec<(&str, &str)>,
        now: SystemTime,
        proof: Option<&str>,
    ) -> Result<Outgoing, LoginError> {
        let p = &self.provider;
        let mut fields: Vec<(Cow<'_, str>, Cow<'_, str>)> = fields
            .into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), Cow::Borrowed(v)))
            .collect();
        let auth = self.auth_method(metadata);
        let minted;
        let secret: Option<&crate::Secret> = match &self.config.client_secret {
            None => None,
            Some(ClientSecret::Static(s)) => Some(s),
            Some(ClientSecret::Minted(m)) => {
                minted = m
                    .mint(&self.config.client_id, &metadata.token_endpoint, now)
                    .map_err(|_| ConfigError::ClientSecret)?;
                Some(&minted)
            }
            Some(ClientSecret::PrivateKey(key)) => {
                let assertion =
                    self.client_assertion(key.current(), metadata, &fields, now, proof)?;
                fields.push((
                    Cow::Borrowed("client_assertion_type"),
                    Cow::Borrowed(CLIENT_ASSERTION_TYPE),
                ));
                fields.push((
                    Cow::Borrowed("client_assertion"),
                    Cow::Owned(assertion.expose().to_owned()),
                ));
                None
            }
        };
        // A pushed authorization request already names its client.
        let names_client = fields.iter().any(|(k, _)| *k == p.client_id_param);
        let mut headers = p.token_headers.clone();
        if let Some(proof) = proof {
            let mut v = http::HeaderValue::from_str(proof)
                .map_err(|_| LoginError::Internal(crate::error::InternalError::Sign))?;
            v.set_sensitive(true);
            headers.push((http::header::HeaderName::from_static(DPOP_HEADER), v));
        }
        match (auth, secret) {
            (ClientAuth::Basic, Some(s)) => {
                let mut v = http::HeaderValue::from_str(&http_util::basic_auth(
                    &self.config.client_id,
                    s.expose(),
                ))
                .map_err(|_| ConfigError::InvalidHeader)?;
                v.set_sensitive(true);
                headers.push((http::header::AUTHORIZATION, v));
            }
            (ClientAuth::Post, Some(s)) => {
                if !names_client {
                    fields.push((
                        Cow::Borrowed(p.client_id_param.as_str()),
                        Cow::Borrowed(self.config.client_id.as_str()),
                    ));
                }
                fields.push((Cow::Borrowed("client_secret"), Cow::Borrowed(s.expose())));
            }
            _ if !names_client => fields.push((
                Cow::Borrowed(p.client_id_param.as_str()),
                Cow::Borrowed(self.config.client_id.as_str()),
            )),
            _ => {}
        }
        let extra = if endpoint == Endpoint::Token {
            &p.token_params[..]
        } else {
            &[]
        };
        let all = fields
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .chain(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let format = if endpoint == Endpoint::Token {
            p.token_body
        } else {
            BodyFormat::Form
        };
        let body = match format {
            BodyFormat::Form => (
                "application/x-www-form-urlencoded",
                http_util::form_encode(all),
            ),
            BodyFormat::Json => {
                let obj: Map<String, Value> = all
                    .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                    .collect();
                (
                    "application/json",
                    serde_json::to_vec(&obj).unwrap_or_default(),
                )
            }
        };
        Ok(Outgoing::new(
            endpoint,
            http_util::request(http::Method::POST, url, &headers, Some(body)),
        ))
    }
}
