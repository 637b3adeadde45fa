//! Why a request was refused, and its RFC 6750 (or RFC 9449) answer.

use crate::dpop::{Challenge, ProofRefusal};
use crate::jose::Algorithm;
use crate::protocol::ErrorCode;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// No credentials at all: 401 with a bare `Bearer` challenge.
    #[error("no bearer token")]
    Missing,
    /// A malformed `Authorization` header: 400 `invalid_request`.
    #[error("malformed authorization header")]
    InvalidRequest,
    /// The token is not acceptable: 401 `invalid_token`. The reason is for
    /// logs only; it is not sent to the client.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The token's key is unknown: refetch the JWKS once, then it is `InvalidToken`.
    #[error("invalid token: unknown key")]
    UnknownKey,
    /// A required scope is missing: 403 `insufficient_scope`.
    #[error("insufficient scope: {0}")]
    InsufficientScope(String),
    /// A required claim is missing or has another value: 403.
    #[error("forbidden")]
    Forbidden,
    /// The DPoP proof is missing, malformed, replayed, or made for another
    /// request or token: 401 with a `DPoP` challenge, `invalid_dpop_proof`.
    /// The reason is for logs only.
    #[error("{0}")]
    InvalidDpopProof(ProofRefusal),
    /// The proof lacks a nonce the API accepts now: 401 `use_dpop_nonce`,
    /// with this fresh nonce (not a secret) in the `DPoP-Nonce` header.
    #[error("dpop nonce required")]
    UseDpopNonce(String),
    /// A refusal of a request made with the `DPoP` scheme, or of a
    /// DPoP-bound token presented as `Bearer`: the inner refusal (same
    /// status and code), answered with a `DPoP` challenge (RFC 9449 §7.1).
    /// See [`BearerError::under_dpop`].
    #[error("{0}")]
    Dpop(Box<BearerError>),
    /// The store that the API's instances share to remember used DPoP
    /// proofs could not record this one (unreachable, too slow, full): the
    /// request is refused, failing closed, with 503
    /// `temporarily_unavailable` and no challenge — the fault is the API's,
    /// not the client's credentials. See `sesame_reqwest::BearerAuth::with_dpop_replay_store`.
    #[error("dpop replay store unavailable")]
    ReplayStoreUnavailable,
}

/// The schemes a protected API accepts, as its refusals offer them in
/// `WWW-Authenticate` (a request without credentials gets one bare
/// challenge per scheme, RFC 9449 §7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Accepted {
    /// `Bearer` only (RFC 6750).
    Bearer,
    /// `Bearer` and `DPoP`, with the algorithms accepted for proofs.
    BearerAndDpop(Vec<Algorithm>),
    /// `DPoP` only, with the algorithms accepted for proofs.
    Dpop(Vec<Algorithm>),
}

impl BearerError {
    /// Whether the driver should refetch the issuer's JWKS and validate once more.
    pub fn wants_refetch(&self) -> bool {
        match self {
            BearerError::UnknownKey => true,
            BearerError::Dpop(inner) => inner.wants_refetch(),
            _ => false,
        }
    }

    /// The same refusal, answered with a `DPoP` challenge: what a request
    /// made with the `DPoP` scheme is refused with. Refusals that are
    /// DPoP's own ([`InvalidDpopProof`](Self::InvalidDpopProof),
    /// [`UseDpopNonce`](Self::UseDpopNonce)) or already wrapped stay as they are.
    ///
    /// ```
    /// use sesame_core::resource::BearerError;
    /// let refused = BearerError::InvalidToken("expired").under_dpop();
    /// assert_eq!(refused, BearerError::Dpop(Box::new(BearerError::InvalidToken("expired"))));
    /// assert_eq!(refused.clone().under_dpop(), refused);
    /// assert_eq!(refused.status(), 401);
    /// let www = refused.to_response("api").headers()["www-authenticate"].clone();
    /// assert_eq!(www, r#"DPoP error="invalid_token", algs="ES256 EdDSA RS256 PS256""#);
    /// ```
    pub fn under_dpop(self) -> Self {
        if self.is_dpop() {
            self
        } else {
            BearerError::Dpop(Box::new(self))
        }
    }

    /// Whether the refusal is answered with a `DPoP` challenge.
    pub fn is_dpop(&self) -> bool {
        matches!(
            self,
            BearerError::InvalidDpopProof(_) | BearerError::UseDpopNonce(_) | BearerError::Dpop(_)
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            BearerError::Missing
            | BearerError::InvalidToken(_)
            | BearerError::UnknownKey
            | BearerError::InvalidDpopProof(_)
            | BearerError::UseDpopNonce(_) => 401,
            BearerError::InvalidRequest => 400,
            BearerError::InsufficientScope(_) | BearerError::Forbidden => 403,
            BearerError::ReplayStoreUnavailable => 503,
            BearerError::Dpop(inner) => inner.status(),
        }
    }

    /// The RFC 6750 (or RFC 9449) error code, if the answer carries one (a
    /// request without credentials gets a bare challenge, RFC 6750 §3.1).
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            BearerError::Missing => None,
            BearerError::InvalidRequest => Some(ErrorCode::InvalidRequest),
            BearerError::InvalidToken(_) | BearerError::UnknownKey => Some(ErrorCode::InvalidToken),
            BearerError::InsufficientScope(_) | BearerError::Forbidden => {
                Some(ErrorCode::InsufficientScope)
            }
            BearerError::InvalidDpopProof(refusal) => Some(refusal.error_code().into()),
            BearerError::UseDpopNonce(_) => Some(ErrorCode::UseDpopNonce),
            BearerError::ReplayStoreUnavailable => Some(ErrorCode::TemporarilyUnavailable),
            BearerError::Dpop(inner) => inner.code(),
        }
    }

    /// The RFC 6750 response: status, `WWW-Authenticate`, a JSON body. An
    /// API accepting only `Bearer` answers so; DPoP refusals name the
    /// default proof algorithms (see [`BearerError::response`]).
    pub fn to_response(&self, realm: &str) -> http::Response<Vec<u8>> {
        self.response(realm, &Accepted::Bearer)
    }

    /// The response of an API accepting the schemes `accepted`: status,
    /// `WWW-Authenticate` and a JSON body.
    ///
    /// * DPoP refusals get one `DPoP` challenge with the error code, the
    ///   scope needed for `insufficient_scope` and the accepted algorithms
    ///   (RFC 9449 §7.1), and [`UseDpopNonce`](Self::UseDpopNonce) a
    ///   `DPoP-Nonce` header;
    /// * a request without credentials gets a bare challenge per accepted
    ///   scheme (`Bearer realm="…"` and `DPoP algs="…"`, RFC 9449 §7.2);
    /// * other refusals get the `Bearer` challenge of RFC 6750 §3, or the
    ///   `DPoP` one when only DPoP is accepted;
    /// * [`ReplayStoreUnavailable`](Self::ReplayStoreUnavailable) is 503
    ///   `temporarily_unavailable` without a challenge (the credentials
    ///   may be fine; the API could not check them).
    ///
    /// No `error_description` is sent: nothing that helps an attacker.
    ///
    /// ```
    /// use sesame_core::jose::Algorithm;
    /// use sesame_core::resource::{Accepted, BearerError};
    /// let both = Accepted::BearerAndDpop(vec![Algorithm::ES256]);
    /// let r = BearerError::Missing.response("api", &both);
    /// let www: Vec<_> = r.headers().get_all("www-authenticate").iter().collect();
    /// assert_eq!(www, [r#"Bearer realm="api""#, r#"DPoP algs="ES256""#]);
    /// let r = BearerError::UseDpopNonce("n-1".into()).response("api", &both);
    /// assert_eq!(r.headers()["www-authenticate"], r#"DPoP error="use_dpop_nonce", algs="ES256""#);
    /// assert_eq!(r.headers()["dpop-nonce"], "n-1");
    /// let r = BearerError::InsufficientScope("api:write".into()).under_dpop().response("api", &both);
    /// assert_eq!(
    ///     r.headers()["www-authenticate"],
    ///     r#"DPoP error="insufficient_scope", scope="api:write", algs="ES256""#,
    /// );
    /// let r = BearerError::ReplayStoreUnavailable.response("api", &both);
    /// assert_eq!(r.status(), 503);
    /// assert!(r.headers().get("www-authenticate").is_none());
    /// ```
    pub fn response(&self, realm: &str, accepted: &Accepted) -> http::Response<Vec<u8>> {
        let body = match self.code() {
            Some(c) => serde_json::json!({"error": c.as_str()}),
            None => serde_json::json!({"error": "unauthorized"}),
        };
        let mut resp = crate::response::json_response(self.status(), &body);
        let default_algs;
        let (bearer, dpop_algs) = match accepted {
            Accepted::Bearer => {
                default_algs = crate::dpop::ProofPolicy::default().algorithms;
                (true, default_algs.as_slice())
            }
            Accepted::BearerAndDpop(algs) => (true, algs.as_slice()),
            Accepted::Dpop(algs) => (false, algs.as_slice()),
        };
        let dpop = |code: Option<ErrorCode>| {
            let mut challenge = Challenge::new(dpop_algs);
            if let Some(code) = code {
                challenge = challenge.with_error(code);
            }
            if let BearerError::InsufficientScope(scope) = self.innermost() {
                challenge = challenge.with_scope(scope);
            }
            challenge.header_value()
        };
        let headers = resp.headers_mut();
        let www = http::header::WWW_AUTHENTICATE;
        if *self.innermost() == BearerError::ReplayStoreUnavailable {
            // Not a challenge: nothing the client can fix by authenticating again.
        } else if self.is_dpop() || !bearer {
            headers.append(www, dpop(self.code()));
        } else {
            if let Ok(v) = http::HeaderValue::from_str(&self.bearer_challenge(realm)) {
                headers.append(www.clone(), v);
            }
            if *self == BearerError::Missing && !matches!(accepted, Accepted::Bearer) {
                headers.append(www, dpop(None));
            }
        }
        if let BearerError::UseDpopNonce(nonce) = self {
            if let Ok(v) = http::HeaderValue::from_str(nonce) {
                headers.insert(crate::dpop::DPOP_NONCE_HEADER, v);
            }
        }
        resp
    }

    /// The refusal inside any [`Dpop`](Self::Dpop) wrapping.
    fn innermost(&self) -> &BearerError {
        match self {
            BearerError::Dpop(inner) => inner.innermost(),
            other => other,
        }
    }

    fn bearer_challenge(&self, realm: &str) -> String {
        let realm = realm.replace(['"', '\\'], "");
        let mut challenge = format!("Bearer realm=\"{realm}\"");
        if let Some(code) = self.code() {
            challenge.push_str(&format!(", error=\"{code}\""));
        }
        if let BearerError::InsufficientScope(scope) = self {
            challenge.push_str(&format!(", scope=\"{}\"", scope.replace(['"', '\\'], "")));
        }
        challenge
    }
}
