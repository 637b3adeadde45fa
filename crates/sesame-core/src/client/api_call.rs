//! One of the provider's profile API calls: where the access token goes
//! (header, query, form), `appsecret_proof`, and the request.

use url::Url;

use super::config::{ClientConfig, ClientSecret};
use crate::error::{LoginError, ProviderError};
use crate::http_util;
use crate::protocol::Endpoint;
use crate::provider::{ApiCall, TokenPlacement};
use crate::step::Outgoing;
use crate::Secret;

pub(super) fn api_request(
    call: &ApiCall,
    mut url: Url,
    token: &Secret,
    config: &ClientConfig,
    dpop_proof: Option<&str>,
) -> Result<Outgoing, LoginError> {
    let client_id = config.client_id.as_str();
    if let (Some(name), Some(ClientSecret::Static(secret))) =
        (&call.secret_proof, &config.client_secret)
    {
        let tag = crate::crypto::hmac_sha256(secret.expose().as_bytes(), token.expose().as_bytes());
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        url.query_pairs_mut().append_pair(name, &hex);
    }
    let mut headers = call.headers.clone();
    let mut form = None;
    let auth = match &call.token {
        TokenPlacement::Bearer => match dpop_proof {
            Some(proof) => {
                let mut v = http::HeaderValue::from_str(proof)
                    .map_err(|_| LoginError::Internal(crate::error::InternalError::Sign))?;
                v.set_sensitive(true);
                headers.push((http::HeaderName::from_static(crate::dpop::DPOP_HEADER), v));
                Some(format!("{} {}", crate::dpop::SCHEME, token.expose()))
            }
            None => Some(format!("Bearer {}", token.expose())),
        },
        TokenPlacement::Scheme(s) => Some(format!("{s} {}", token.expose())),
        TokenPlacement::Query(name) => {
            url.query_pairs_mut().append_pair(name, token.expose());
            None
        }
        TokenPlacement::Form(name, client_id_name) => {
            let mut pairs = vec![(name.as_str(), token.expose())];
            if let Some(c) = client_id_name {
                pairs.push((c.as_str(), client_id));
            }
            form = Some(http_util::form_encode(pairs));
            None
        }
    };
    if let Some(a) = auth {
        let mut v =
            http::HeaderValue::from_str(&a).map_err(|_| ProviderError::MalformedResponse {
                endpoint: Endpoint::Token,
                reason: "access token is not a valid header value",
            })?;
        v.set_sensitive(true);
        headers.push((http::header::AUTHORIZATION, v));
    }
    let body = match form {
        Some(f) => Some(("application/x-www-form-urlencoded", f)),
        None if call.method == http::Method::POST => Some(("application/json", b"null".to_vec())),
        None => None,
    };
    let endpoint = match call.url {
        crate::provider::ApiUrl::Userinfo => Endpoint::Userinfo,
        crate::provider::ApiUrl::Fixed(_) => Endpoint::Api(call.name.clone()),
    };
    Ok(Outgoing::new(
        endpoint,
        http_util::request(call.method.clone(), &url, &headers, body),
    ))
}
