//! Pushed authorization requests (RFC 9126): `POST /par`, and the
//! redemption of its `request_uri` at `/authorize`.
//!
//! The client sends its authorization request straight to the server,
//! authenticated as at `/token`; the request is checked there exactly as
//! `/authorize` would check it (errors come back as JSON to the client,
//! never to the browser), and the answer is a `request_uri` for the
//! browser to carry. A pushed request takes no room in the store: its
//! `request_uri` *is* the request, sealed (AES-GCM, with the service's
//! sealing key, so that every instance opens it) together with its client,
//! its expiry and an id. Single use is the one thing stored: redeeming a
//! `request_uri` records its id with [`Store::put_new`](crate::Store::put_new)
//! until it expires, atomically, so a second redemption fails on every
//! instance.

use std::time::SystemTime;

use serde_json::json;
use sesame_core::protocol::ErrorCode;
use sesame_core::random::{random_b64, Random};
use sesame_core::response::json_response;
use url::Url;

use crate::{param, AuthServerService, OAuthError, MAX_PUSHED_REQUEST_TTL};

/// The prefix of every `request_uri` the server hands out (RFC 9126 §2.2).
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// The purpose pushed requests are sealed under.
const PUSHED_PURPOSE: &str = "sesame/par/v1";

/// Client-authentication parameters: checked at `/par`, never part of the
/// authorization request.
const CLIENT_AUTH_PARAMS: &[&str] = &[
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
];

/// What a `request_uri` holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct PushedRequest {
    /// Random: the key of its single use.
    id: String,
    /// The client that pushed it (authenticated).
    client_id: String,
    /// The authorization request's parameters (with `client_id`).
    params: Vec<(String, String)>,
    /// Unix seconds after which it cannot be used.
    expires_at: u64,
}

impl AuthServerService {
    /// `POST /par`: authenticates the client, checks the request as
    /// `/authorize` would, and answers `201 {"request_uri", "expires_in"}`.
    pub(crate) async fn push(
        &self,
        request: &http::Request<Vec<u8>>,
        now: SystemTime,
        rng: &dyn Random,
    ) -> http::Response<Vec<u8>> {
        let (client_id, form) = match self.client_of(request, now).await {
            Ok(x) => x,
            Err(answer) => return answer,
        };
        let refuse = |code, description| OAuthError::new(code, description).to_response();
        // RFC 9126 §2.1: a pushed request cannot itself point elsewhere.
        if param(&form, "request_uri").is_some() {
            return refuse(ErrorCode::InvalidRequest, "request_uri cannot be pushed");
        }
        if param(&form, "request").is_some() {
            return refuse(
                ErrorCode::RequestNotSupported,
                "request objects are not supported",
            );
        }
        let Some(client) = self.server.client(&client_id) else {
            return refuse(ErrorCode::InvalidClient, "unknown client");
        };
        let Some(redirect_uri) = param(&form, "redirect_uri") else {
            return refuse(ErrorCode::InvalidRequest, "redirect_uri is required");
        };
        if !client.allows_redirect(redirect_uri) || Url::parse(redirect_uri).is_err() {
            return refuse(
                ErrorCode::InvalidRequest,
                "redirect_uri is not registered for this client",
            );
        }
        if let Err((code, description)) = self.server.check_parameters(client, &form) {
            return refuse(code, description);
        }
        let mut params: Vec<(String, String)> = form
            .into_iter()
            .filter(|(k, _)| !CLIENT_AUTH_PARAMS.contains(&k.as_str()))
            .collect();
        params.push(("client_id".to_owned(), client_id.clone()));
        let ttl = self
            .server
            .config()
            .pushed_request_ttl
            .min(MAX_PUSHED_REQUEST_TTL);
        let pushed = PushedRequest {
            id: match random_b64(rng, 16) {
                Ok(id) => id,
                Err(_) => return refuse(ErrorCode::TemporarilyUnavailable, "try again"),
            },
            client_id,
            params,
            expires_at: sesame_core::time::unix_seconds(now + ttl),
        };
        match self.sealer.seal_json(PUSHED_PURPOSE, &pushed, now, rng) {
            Ok(sealed) => json_response(
                201,
                &json!({
                    "request_uri": format!("{REQUEST_URI_PREFIX}{sealed}"),
                    "expires_in": ttl.as_secs(),
                }),
            ),
            Err(_) => refuse(ErrorCode::TemporarilyUnavailable, "try again"),
        }
    }

    /// Redeems the `request_uri` of an authorization request: the pushed
    /// request's parameters as a query string, or the answer to give.
    ///
    /// Refused with an error page (nowhere to redirect to that the
    /// request proves): a value the server did not seal, or one pushed by
    /// another client than `client_id` names. Refused with an
    /// `invalid_request_uri` redirect to the pushed redirect URI: an
    /// expired or already used one.
    pub(crate) async fn redeem(
        &self,
        pairs: &[(String, String)],
        now: SystemTime,
    ) -> Result<String, http::Response<Vec<u8>>> {
        let request_uri = param(pairs, "request_uri").unwrap_or("");
        let pushed: PushedRequest = request_uri
            .strip_prefix(REQUEST_URI_PREFIX)
            .and_then(|sealed| self.sealer.open_json(PUSHED_PURPOSE, sealed, now).ok())
            .ok_or_else(|| self.error_page("this request_uri is unknown or has expired"))?;
        // RFC 9126 §4: the request names its client, which must have pushed it.
        if param(pairs, "client_id") != Some(pushed.client_id.as_str()) {
            return Err(self.error_page("this request_uri was pushed by another client"));
        }
        let redirect = |description: &str| {
            let url = param(&pushed.params, "redirect_uri").and_then(|u| Url::parse(u).ok());
            match url {
                Some(url) => sesame_core::response::see_other(
                    self.server
                        .error_redirect(
                            url,
                            ErrorCode::InvalidRequestUri,
                            description,
                            param(&pushed.params, "state"),
                        )
                        .as_str(),
                ),
                None => self.error_page(description),
            }
        };
        if sesame_core::time::unix_seconds(now) >= pushed.expires_at {
            return Err(redirect("the request_uri has expired"));
        }
        let key = crate::sha256_b64(&format!("{PUSHED_PURPOSE}|{}", pushed.id));
        let until = sesame_core::time::from_unix(pushed.expires_at);
        match self.store.put_new(&key, until, now).await {
            Ok(true) => {}
            Ok(false) => return Err(redirect("the request_uri was already used")),
            Err(_) => {
                return Err(json_response(
                    503,
                    &json!({"error": ErrorCode::TemporarilyUnavailable.as_str()}),
                ))
            }
        }
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pushed.params {
            query.append_pair(k, v);
        }
        Ok(query.finish())
    }
}
