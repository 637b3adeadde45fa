//! The token request: grant fields, client authentication (basic, post,
//! none, minted secrets) and the body format the provider wants.

use std::time::SystemTime;

use serde_json::{Map, Value};

use super::config::ClientSecret;
use super::Client;
use crate::discovery::ProviderMetadata;
use crate::error::{ConfigError, LoginError};
use crate::http_util;
use crate::protocol::Endpoint;
use crate::provider::{BodyFormat, ClientAuth};
use crate::step::Outgoing;

impl Client {
    pub(super) fn token_request(
        &self,
        metadata: &ProviderMetadata,
        fields: Vec<(&str, &str)>,
        now: SystemTime,
    ) -> Result<Outgoing, LoginError> {
        let p = &self.provider;
        let mut fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let auth = self.auth_method(metadata);
        let secret = match &self.config.client_secret {
            None => None,
            Some(ClientSecret::Static(s)) => Some(s.clone()),
            Some(ClientSecret::Minted(m)) => Some(
                m.mint(&self.config.client_id, &metadata.token_endpoint, now)
                    .map_err(|_| ConfigError::ClientSecret)?,
            ),
        };
        let mut headers = p.token_headers.clone();
        match (auth, &secret) {
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
                fields.push((p.client_id_param.clone(), self.config.client_id.clone()));
                fields.push(("client_secret".into(), s.expose().to_owned()));
            }
            _ => fields.push((p.client_id_param.clone(), self.config.client_id.clone())),
        }
        let owned: Vec<(String, String)> = fields
            .into_iter()
            .chain(p.token_params.iter().cloned())
            .collect();
        let body = match p.token_body {
            BodyFormat::Form => (
                "application/x-www-form-urlencoded",
                http_util::form_encode(owned.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            ),
            BodyFormat::Json => {
                let obj: Map<String, Value> = owned
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                (
                    "application/json",
                    serde_json::to_vec(&obj).unwrap_or_default(),
                )
            }
        };
        Ok(Outgoing::new(
            Endpoint::Token,
            http_util::request(
                http::Method::POST,
                &metadata.token_endpoint,
                &headers,
                Some(body),
            ),
        ))
    }
}
