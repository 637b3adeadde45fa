//! Client authentication at `/token`, `/revoke` and `/introspect`:
//! `client_secret_basic` (RFC 6749 §2.3.1, form-encoded parts),
//! `client_secret_post`, and `none` for public clients. One method per
//! request; secrets compared in constant time.

use sesame_core::http_util::parse_params;
use sesame_core::protocol::ErrorCode;

use serde_json::json;
use sesame_core::response::json_response;

use crate::{AuthServerService, AuthorizationServer, OAuthError, RegisteredClient, MAX_PARAMS_LEN};

impl AuthorizationServer {
    /// The client a request authenticates as, from its `Authorization`
    /// header or its form's `client_id` and `client_secret`.
    pub(crate) fn authenticate(
        &self,
        request: &http::Request<Vec<u8>>,
        body_id: Option<&str>,
        body_secret: Option<&str>,
    ) -> Result<&RegisteredClient, OAuthError> {
        if request
            .headers()
            .get_all(http::header::AUTHORIZATION)
            .iter()
            .nth(1)
            .is_some()
        {
            // Two credentials: which one would count? Neither.
            return Err(OAuthError::new(
                ErrorCode::InvalidRequest,
                "repeated authorization header",
            ));
        }
        let basic = match request.headers().get(http::header::AUTHORIZATION) {
            Some(h) => Some(
                parse_basic(h.to_str().map_err(|_| OAuthError::invalid_client(true))?)
                    .ok_or_else(|| OAuthError::invalid_client(true))?,
            ),
            None => None,
        };
        let (id, secret, via_basic) = match (basic, body_secret) {
            (Some(_), Some(_)) => {
                return Err(OAuthError::new(
                    ErrorCode::InvalidRequest,
                    "use one client authentication method",
                ))
            }
            (Some((id, secret)), None) => {
                if body_id.is_some_and(|b| b != id) {
                    return Err(OAuthError::invalid_client(true));
                }
                (id, Some(secret), true)
            }
            (None, secret) => (
                body_id
                    .ok_or_else(|| OAuthError::invalid_client(false))?
                    .to_owned(),
                secret.map(str::to_owned),
                false,
            ),
        };
        let client = self
            .client(&id)
            .ok_or_else(|| OAuthError::invalid_client(via_basic))?;
        match (&client.secret, secret) {
            (Some(expected), Some(given)) if expected.ct_eq(&given) => Ok(client),
            (None, None) => Ok(client),
            _ => Err(OAuthError::invalid_client(via_basic)),
        }
    }
}

/// Parses `Authorization: Basic` per RFC 6749 §2.3.1 (form-urlencoded parts).
fn parse_basic(header: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let (scheme, b64) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| {
        parse_params(format!("x={s}").as_bytes(), MAX_PARAMS_LEN)
            .ok()?
            .pop()
            .map(|(_, v)| v)
    };
    Some((decode(id)?, decode(secret)?))
}

impl AuthServerService {
    pub(crate) async fn client_of(
        &self,
        request: &http::Request<Vec<u8>>,
    ) -> Result<(String, Vec<(String, String)>), http::Response<Vec<u8>>> {
        let form = parse_params(request.body(), crate::MAX_PARAMS_LEN).map_err(|_| {
            json_response(400, &json!({"error": ErrorCode::InvalidRequest.as_str()}))
        })?;
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match self
            .server
            .authenticate(request, get("client_id"), get("client_secret"))
        {
            Ok(c) => Ok((c.id.clone(), form.clone())),
            Err(e) => {
                let mut r = json_response(e.status(), &json!({"error": e.code.as_str()}));
                if e.basic_challenge {
                    r.headers_mut().insert(
                        http::header::WWW_AUTHENTICATE,
                        http::HeaderValue::from_static("Basic realm=\"token\""),
                    );
                }
                Err(r)
            }
        }
    }

    /// The authenticated client and the `token` parameter of a revocation
    /// or introspection request; on failure, the answer.
    #[allow(clippy::result_large_err)] // the error is the answer, moved once
    pub(crate) async fn client_and_token(
        &self,
        request: &http::Request<Vec<u8>>,
    ) -> Result<(String, String), http::Response<Vec<u8>>> {
        let (client_id, form) = self.client_of(request).await?;
        match crate::param(&form, "token") {
            Some(token) => Ok((client_id, token.to_owned())),
            None => Err(json_response(
                400,
                &json!({"error": ErrorCode::InvalidRequest.as_str()}),
            )),
        }
    }
}
