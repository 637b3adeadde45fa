//! `/authorize`: validating an authorization request before anyone signs
//! in, error redirects (only once client and redirect URI are known good),
//! and issuing the code once the user has.

use std::time::SystemTime;

use serde_json::{Map, Value};
use sesame_core::http_util::{parse_params, ParamsError};
use sesame_core::protocol::ErrorCode;
use sesame_core::random::{random_b64, Random};
use url::Url;

use crate::store::{CodeGrant, Store};
use crate::{
    param, AuthorizationServer, RegisteredClient, ServerError, MAX_CODE_TTL, MAX_PARAMS_LEN,
};

/// A validated authorization request, waiting for the user to sign in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorizationRequest {
    /// The client.
    pub client_id: String,
    /// The redirect URI, as requested (and matched).
    pub redirect_uri: String,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// The client's `state`, echoed.
    pub state: Option<String>,
    /// The OIDC nonce.
    pub nonce: Option<String>,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// Whether consent can be skipped.
    pub first_party: bool,
    /// The DPoP key thumbprint the code is bound to (`dpop_jkt`, RFC 9449 §10).
    #[serde(default)]
    pub dpop_jkt: Option<String>,
}

/// Why an authorization request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizeError {
    /// Client or redirect URI unknown or malformed: show this message on a
    /// 400 page; never redirect.
    Page(&'static str),
    /// Redirect the browser here (an OAuth error for a known client).
    Redirect(Url),
}

impl AuthorizationServer {
    /// Validates `GET /authorize?…` (the raw query string). A request that
    /// carries a `request_uri` (RFC 9126) is refused here: the service
    /// redeems those ([`AuthServerService`](crate::AuthServerService)).
    pub fn authorize(&self, query: &str) -> Result<AuthorizationRequest, AuthorizeError> {
        self.authorize_request(query, false)
    }

    /// [`authorize`](Self::authorize) for a request given directly
    /// (`pushed: false`) or redeemed from a pushed request (`true`).
    pub(crate) fn authorize_request(
        &self,
        query: &str,
        pushed: bool,
    ) -> Result<AuthorizationRequest, AuthorizeError> {
        let pairs = match parse_params(query.as_bytes(), MAX_PARAMS_LEN) {
            Ok(p) => p,
            Err(ParamsError::TooLarge) => return Err(AuthorizeError::Page("request too large")),
            Err(ParamsError::Duplicate(_)) => {
                return Err(AuthorizeError::Page("a parameter is repeated"))
            }
            Err(_) => return Err(AuthorizeError::Page("malformed parameters")),
        };
        let get = |k: &str| param(&pairs, k);
        let client = get("client_id")
            .and_then(|id| self.client(id))
            .ok_or(AuthorizeError::Page("unknown client"))?;
        let redirect_uri =
            get("redirect_uri").ok_or(AuthorizeError::Page("redirect_uri is required"))?;
        if !client.allows_redirect(redirect_uri) {
            return Err(AuthorizeError::Page(
                "redirect_uri is not registered for this client",
            ));
        }
        let redirect = Url::parse(redirect_uri)
            .map_err(|_| AuthorizeError::Page("redirect_uri is not a valid url"))?;
        let state = get("state").map(str::to_owned);
        let must_push = self.config.require_pushed_requests || client.require_pushed_requests;
        let checked = if must_push && !pushed {
            Err((
                ErrorCode::InvalidRequest,
                "this client must push its authorization requests (PAR, RFC 9126)",
            ))
        } else {
            self.check_parameters(client, &pairs)
        };
        let checked = checked.map_err(|(error, description)| {
            AuthorizeError::Redirect(self.error_redirect(
                redirect.clone(),
                error,
                description,
                state.as_deref(),
            ))
        })?;
        let (challenge, scopes) = checked;
        Ok(AuthorizationRequest {
            client_id: client.id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            state,
            nonce: get("nonce").map(str::to_owned),
            code_challenge: challenge.to_owned(),
            first_party: client.first_party,
            dpop_jkt: get("dpop_jkt").map(str::to_owned),
        })
    }

    /// The checks made once client and redirect URI are known good, whose
    /// failures go back to the client: the challenge and the scopes, or
    /// the error to redirect with.
    pub(crate) fn check_parameters<'a>(
        &self,
        client: &RegisteredClient,
        pairs: &'a [(String, String)],
    ) -> Result<(&'a str, Vec<String>), (ErrorCode, &'static str)> {
        let get = |k: &str| param(pairs, k);
        if get("response_type") != Some("code") {
            return Err((
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
        if get("request").is_some() || get("request_uri").is_some() {
            return Err((
                ErrorCode::RequestNotSupported,
                "request objects are not supported",
            ));
        }
        let challenge = get("code_challenge").ok_or((
            ErrorCode::InvalidRequest,
            "code_challenge (PKCE) is required",
        ))?;
        if get("code_challenge_method") != Some("S256") {
            return Err((
                ErrorCode::InvalidRequest,
                "code_challenge_method must be S256",
            ));
        }
        let well_formed = challenge.len() == 43
            && challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            return Err((
                ErrorCode::InvalidRequest,
                "code_challenge is not an S256 challenge",
            ));
        }
        let scopes = sesame_core::scope::parse(get("scope").unwrap_or(""));
        let allowed = |s: &String| {
            self.config.scopes.contains(s)
                && (client.scopes.is_empty() || client.scopes.contains(s))
        };
        if !scopes.iter().all(allowed) {
            return Err((ErrorCode::InvalidScope, "a requested scope is not allowed"));
        }
        if get("nonce").is_some_and(|n| n.len() > 512) {
            return Err((ErrorCode::InvalidRequest, "nonce too long"));
        }
        // An RFC 7638 SHA-256 thumbprint: 43 base64url characters.
        let thumbprint = |t: &str| {
            t.len() == 43
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if get("dpop_jkt").is_some_and(|t| !thumbprint(t)) {
            return Err((
                ErrorCode::InvalidRequest,
                "dpop_jkt is not a key thumbprint",
            ));
        }
        Ok((challenge, scopes))
    }

    pub(crate) fn error_redirect(
        &self,
        mut url: Url,
        error: ErrorCode,
        description: &str,
        state: Option<&str>,
    ) -> Url {
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("error", error.as_str());
            q.append_pair("error_description", description);
            if let Some(s) = state {
                q.append_pair("state", s);
            }
            q.append_pair("iss", &self.config.issuer);
        }
        url
    }

    /// The user declined: the `access_denied` redirect (`None` if the
    /// request's redirect URI does not parse, which `authorize` never lets through).
    pub fn deny(&self, request: &AuthorizationRequest) -> Option<Url> {
        let url = Url::parse(&request.redirect_uri).ok()?;
        Some(self.error_redirect(
            url,
            ErrorCode::AccessDenied,
            "the user declined",
            request.state.as_deref(),
        ))
    }

    /// The user signed in (and consented): issues a code, stores it, and
    /// returns the redirect back to the client.
    ///
    /// `claims` are the app's claims for this user (from its login
    /// callback); reserved claim names among them are ignored.
    pub async fn approve(
        &self,
        request: &AuthorizationRequest,
        subject: &str,
        claims: Map<String, Value>,
        store: &dyn Store,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<Url, ServerError> {
        // The code names the family its redemption starts, so that a store
        // can keep the code in that family's shard (`Store::redeem_code`).
        let family = random_b64(rng, 16)?;
        let code = crate::new_family_token(&family, rng)?;
        let grant = CodeGrant {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            scopes: request.scopes.clone(),
            subject: subject.to_owned(),
            claims,
            nonce: request.nonce.clone(),
            expires_at: now + self.config.code_ttl.min(MAX_CODE_TTL),
            family,
            dpop_jkt: request.dpop_jkt.clone(),
        };
        store.save_code(&crate::store_key(&code), grant).await?;
        let mut url =
            Url::parse(&request.redirect_uri).map_err(|_| ServerError::InvalidRedirect)?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("code", &code);
            if let Some(s) = &request.state {
                q.append_pair("state", s);
            }
            q.append_pair("iss", &self.config.issuer);
        }
        Ok(url)
    }
}
