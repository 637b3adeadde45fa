//! `/userinfo` (OpenID Connect Core §5.3): the app's claims of a valid
//! access token with the `openid` scope.

use std::time::SystemTime;

use serde_json::{json, Map, Value};
use sesame_core::protocol::ErrorCode;
use sesame_core::response::json_response;

use crate::{AuthServerService, ServerError};

impl AuthServerService {
    pub(crate) async fn userinfo(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
    ) -> http::Response<Vec<u8>> {
        let (token, dpop) = match presented_token(request.headers()) {
            Ok(t) => t,
            // Two Authorization headers, or a malformed one (RFC 6750 §3.1).
            Err(()) => {
                let mut r =
                    json_response(400, &json!({"error": ErrorCode::InvalidRequest.as_str()}));
                r.headers_mut().insert(
                    http::header::WWW_AUTHENTICATE,
                    http::HeaderValue::from_static("Bearer error=\"invalid_request\""),
                );
                return r;
            }
        };
        let claims = match &token {
            Some(t) => match self.verify_access_token(t, now).await {
                Ok(c) => c,
                Err(e) => return ServerError::from(e).to_response(),
            },
            None => None,
        };
        let Some(claims) = claims else {
            return self.invalid_token(ErrorCode::InvalidToken);
        };
        // RFC 9449 §7: a DPoP-bound token only with a proof of its key; a
        // token presented with the DPoP scheme only when bound to it.
        if dpop {
            let store = self.store.as_ref();
            let jkt = match self
                .server
                .dpop_proof(request, "/userinfo", token.as_deref(), store, now)
                .await
            {
                Ok(Some(jkt)) => jkt,
                Ok(None) => return self.invalid_token(ErrorCode::InvalidDpopProof),
                Err(refusal) => {
                    let mut r = self.invalid_token(refusal.error.code);
                    if let Some(n) = refusal.nonce.and_then(|n| n.parse().ok()) {
                        r.headers_mut()
                            .insert(sesame_core::dpop::DPOP_NONCE_HEADER, n);
                    }
                    return r;
                }
            };
            if sesame_core::dpop::confirm(&claims, &jkt).is_err() {
                return self.invalid_token(ErrorCode::InvalidToken);
            }
        } else if sesame_core::dpop::is_bound(&claims) {
            return self.invalid_token(ErrorCode::InvalidToken);
        }
        let scopes = claims.get("scope").and_then(Value::as_str).unwrap_or("");
        if !scopes.split(' ').any(|s| s == "openid") {
            let mut r = json_response(
                403,
                &json!({"error": ErrorCode::InsufficientScope.as_str()}),
            );
            r.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static(
                    "Bearer error=\"insufficient_scope\", scope=\"openid\"",
                ),
            );
            return r;
        }
        let mut out: Map<String, Value> = claims
            .iter()
            .filter(|(k, _)| !crate::RESERVED_CLAIMS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(sub) = claims.get("sub") {
            out.insert("sub".into(), sub.clone());
        }
        json_response(200, &Value::Object(out))
    }
}

impl AuthServerService {
    /// 401 with both challenges: `Bearer` and `DPoP` (with `algs`), the
    /// error on each (RFC 6750 §3, RFC 9449 §7.1).
    fn invalid_token(&self, code: ErrorCode) -> http::Response<Vec<u8>> {
        let mut r = json_response(401, &json!({"error": code.as_str()}));
        let bearer = match code {
            ErrorCode::InvalidToken => "Bearer error=\"invalid_token\"",
            _ => "Bearer",
        };
        r.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static(bearer),
        );
        r.headers_mut().append(
            http::header::WWW_AUTHENTICATE,
            self.server.dpop_challenge(code),
        );
        r
    }
}

/// The access token of `Authorization: Bearer …` or `Authorization: DPoP …`
/// (`true` for DPoP); `Ok((None, false))` without one (or with another
/// scheme); `Err` for two headers or a malformed one.
fn presented_token(headers: &http::HeaderMap) -> Result<(Option<String>, bool), ()> {
    use sesame_core::resource::{extract_credentials, AuthScheme, BearerError};
    match extract_credentials(headers) {
        Ok((scheme, token)) => Ok((Some(token.to_owned()), scheme == AuthScheme::Dpop)),
        Err(BearerError::InvalidRequest) => Err(()),
        Err(_) => Ok((None, false)),
    }
}
