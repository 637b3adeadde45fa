//! The server side: checking a proof against the request it came with
//! (RFC 9449 §4.3).

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use super::ProofRefusal;
use crate::jose::{Algorithm, JoseError, KeyFamily, VerifyingKey};

/// JWK members that only a private or symmetric key has (RFC 7518 §6).
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "k", "oth"];
/// The longest `jti` accepted, in bytes.
const MAX_JTI_LEN: usize = 256;

/// The rules proofs are checked against. The defaults suit both an
/// authorization server and a resource server; set `require_nonce` where
/// the server hands out nonces ([`crate::dpop::NonceSource`]).
///
/// ```
/// use std::time::Duration;
/// use sesame_core::dpop::ProofPolicy;
/// let mut policy = ProofPolicy::default();
/// policy.max_age = Duration::from_secs(30);
/// policy.require_nonce = true;
/// assert_eq!(policy.challenge().to_string(), r#"DPoP algs="ES256 EdDSA RS256 PS256""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProofPolicy {
    /// The accepted signature algorithms, also advertised in challenges.
    /// `none` and symmetric algorithms are refused whatever the list says.
    pub algorithms: Vec<Algorithm>,
    /// How old a proof's `iat` may be (default 60 seconds).
    pub max_age: Duration,
    /// How far in the future a proof's `iat` may be, for clock skew
    /// (default 5 seconds).
    pub leeway: Duration,
    /// The largest proof accepted, in bytes (default 8 KiB).
    pub max_len: usize,
    /// Whether every proof must carry a server-provided `nonce` (default
    /// no; then a proof's `nonce`, if any, is ignored).
    pub require_nonce: bool,
}

impl Default for ProofPolicy {
    fn default() -> Self {
        Self {
            algorithms: vec![
                Algorithm::ES256,
                Algorithm::EdDSA,
                Algorithm::RS256,
                Algorithm::PS256,
            ],
            max_age: Duration::from_secs(60),
            leeway: Duration::from_secs(5),
            max_len: 8 * 1024,
            require_nonce: false,
        }
    }
}

/// A proof that passed every rule: who signed it, and what a replay cache
/// must remember about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedProof {
    jkt: String,
    jti: String,
    iat: u64,
    alg: Algorithm,
    nonce: Option<String>,
    ttl: Duration,
}

impl CheckedProof {
    /// The RFC 7638 thumbprint of the proof's key: compare it with the
    /// access token's `cnf.jkt` ([`crate::dpop::confirm`]), or bind new
    /// tokens to it ([`crate::dpop::cnf_claim`]).
    pub fn jkt(&self) -> &str {
        &self.jkt
    }

    /// The proof's `jti`.
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// The proof's `iat` (Unix seconds).
    pub fn iat(&self) -> u64 {
        self.iat
    }

    /// The algorithm the proof was signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The proof's `nonce`, when the policy required one.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// The key under which a replay cache remembers this proof: the
    /// unpadded base64url SHA-256 of the key's thumbprint and the `jti`
    /// (so one client cannot use up another's `jti`s). Refuse the request
    /// when the key is already there (RFC 9449 §11.1).
    pub fn replay_key(&self) -> String {
        let mut ctx = crate::crypto::sha256_context();
        ctx.update(b"dpop-jti.");
        // A thumbprint is base64url, so "." separates it from the jti.
        ctx.update(self.jkt.as_bytes());
        ctx.update(b".");
        ctx.update(self.jti.as_bytes());
        crate::base64url::encode(ctx.finish().as_ref())
    }

    /// How long the replay cache must remember [`replay_key`](Self::replay_key):
    /// the policy's whole `iat` window (`max_age` plus `leeway`, plus one
    /// second for `iat`'s rounding), after which the proof is refused as
    /// stale anyway.
    pub fn replay_ttl(&self) -> Duration {
        self.ttl
    }
}

impl ProofPolicy {
    /// The challenge advertising this policy's algorithms, for a request
    /// without a proof (`WWW-Authenticate: DPoP algs="…"`).
    pub fn challenge(&self) -> super::Challenge {
        super::Challenge::new(&self.algorithms)
    }

    /// The challenge answering a refused proof, with this policy's algorithms.
    pub fn refusal_challenge(&self, refusal: &ProofRefusal) -> super::Challenge {
        super::Challenge::refusal(refusal, &self.algorithms)
    }

    /// Checks one proof (the `DPoP` header's value, see
    /// [`proof_from_headers`]) against the request it came with.
    ///
    /// * `htm`, `htu`: the request's method and full URI as the server sees
    ///   it (behind a proxy, rebuild the public URI first).
    /// * `access_token`: the access token the request presents (a resource
    ///   server's `Authorization: DPoP …`); the proof's `ath` must hash it.
    ///   `None` at the token endpoint, where `ath` is not checked.
    /// * `expected_nonce`: whether a nonce is one the server issued and
    ///   still accepts, for example `|n| nonces.accepts(n, now)`. Called
    ///   only when the policy requires nonces.
    ///
    /// The rules run in RFC 9449 §4.3's order: size and form, `typ`, `alg`,
    /// `jwk`, signature, then the claims (`jti`, `htm`, `htu`, `iat`,
    /// `ath`, `nonce`). Replay protection is the caller's: see
    /// [`CheckedProof::replay_key`].
    pub fn check(
        &self,
        proof: &str,
        htm: &http::Method,
        htu: &url::Url,
        now: SystemTime,
        access_token: Option<&str>,
        expected_nonce: impl Fn(&str) -> bool,
    ) -> Result<CheckedProof, ProofRefusal> {
        if proof.len() > self.max_len {
            return Err(ProofRefusal::TooLarge);
        }
        let (h, p, s) = split(proof)?;
        let header = decode_object(h)?;

        if header.get("typ").and_then(Value::as_str) != Some(super::PROOF_TYPE) {
            return Err(ProofRefusal::WrongType);
        }
        if header.contains_key("crit") {
            return Err(ProofRefusal::Malformed);
        }
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(ProofRefusal::Malformed)?;
        let alg = Algorithm::parse(alg).map_err(|_| ProofRefusal::AlgorithmNotAllowed)?;
        if alg.family() == KeyFamily::Hmac || !self.algorithms.contains(&alg) {
            return Err(ProofRefusal::AlgorithmNotAllowed);
        }

        let jwk = match header.get("jwk") {
            Some(jwk @ Value::Object(members)) => {
                if PRIVATE_MEMBERS.iter().any(|m| members.contains_key(*m)) {
                    return Err(ProofRefusal::PrivateKeyInHeader);
                }
                jwk
            }
            _ => return Err(ProofRefusal::InvalidKey),
        };
        let key = VerifyingKey::from_jwk(jwk).map_err(|_| ProofRefusal::InvalidKey)?;
        let signature = crate::base64url::decode(s).ok_or(ProofRefusal::Malformed)?;
        let signing_input = proof
            .get(..h.len() + 1 + p.len())
            .ok_or(ProofRefusal::Malformed)?;
        key.verify(alg, signing_input.as_bytes(), &signature)
            .map_err(|e| match e {
                JoseError::BadSignature => ProofRefusal::BadSignature,
                _ => ProofRefusal::InvalidKey,
            })?;
        let jkt = super::thumbprint(jwk).map_err(|_| ProofRefusal::InvalidKey)?;

        let claims = decode_object(p)?;
        let jti = string_claim(&claims, "jti")?;
        if jti.is_empty() || jti.len() > MAX_JTI_LEN {
            return Err(ProofRefusal::InvalidClaim("jti"));
        }
        if string_claim(&claims, "htm")? != htm.as_str() {
            return Err(ProofRefusal::MethodMismatch);
        }
        if !super::htu_matches(string_claim(&claims, "htu")?, htu) {
            return Err(ProofRefusal::UriMismatch);
        }
        let iat = numeric_date(&claims, "iat")?;
        let now_s = crate::time::unix_seconds(now);
        if iat > now_s.saturating_add(self.leeway.as_secs()) {
            return Err(ProofRefusal::FromTheFuture);
        }
        if iat.saturating_add(self.max_age.as_secs()) < now_s {
            return Err(ProofRefusal::Stale);
        }
        if let Some(token) = access_token {
            let ath = match claims.get("ath") {
                None => return Err(ProofRefusal::AthMissing),
                Some(Value::String(a)) => a,
                Some(_) => return Err(ProofRefusal::InvalidClaim("ath")),
            };
            if !crate::constant_time::eq(ath.as_bytes(), super::ath(token).as_bytes()) {
                return Err(ProofRefusal::AthMismatch);
            }
        }
        let nonce = if self.require_nonce {
            let nonce = match claims.get("nonce") {
                None => return Err(ProofRefusal::NonceRequired),
                Some(Value::String(n)) => n,
                Some(_) => return Err(ProofRefusal::InvalidClaim("nonce")),
            };
            if !expected_nonce(nonce) {
                return Err(ProofRefusal::NonceMismatch);
            }
            Some(nonce.clone())
        } else {
            None
        };

        Ok(CheckedProof {
            jkt,
            jti: jti.to_owned(),
            iat,
            alg,
            nonce,
            ttl: self.max_age + self.leeway + Duration::from_secs(1),
        })
    }
}

/// The request's one proof: `Ok(None)` without a `DPoP` header, and
/// [`ProofRefusal::Malformed`] for two headers or one that is not visible
/// ASCII (RFC 9449 §4.3 step 1: exactly one proof).
///
/// ```
/// use sesame_core::dpop::{proof_from_headers, ProofRefusal};
/// let mut headers = http::HeaderMap::new();
/// assert_eq!(proof_from_headers(&headers), Ok(None));
/// headers.append("DPoP", "a.b.c".parse().unwrap());
/// assert_eq!(proof_from_headers(&headers), Ok(Some("a.b.c")));
/// headers.append("DPoP", "d.e.f".parse().unwrap());
/// assert_eq!(proof_from_headers(&headers), Err(ProofRefusal::Malformed));
/// ```
pub fn proof_from_headers(headers: &http::HeaderMap) -> Result<Option<&str>, ProofRefusal> {
    let mut values = headers.get_all(super::DPOP_HEADER).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(v), None) => v.to_str().map(Some).map_err(|_| ProofRefusal::Malformed),
        (Some(_), Some(_)) => Err(ProofRefusal::Malformed),
    }
}

/// The three parts of a compact JWS, refusing anything else: a second
/// proof joined with a comma, whitespace, or characters outside base64url.
fn split(proof: &str) -> Result<(&str, &str, &str), ProofRefusal> {
    let well_formed = proof
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !well_formed {
        return Err(ProofRefusal::Malformed);
    }
    let mut parts = proof.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        // An empty signature (`alg: none`'s) is refused by the `alg` rule.
        (Some(h), Some(p), Some(s), None) if !h.is_empty() && !p.is_empty() => Ok((h, p, s)),
        _ => Err(ProofRefusal::Malformed),
    }
}

fn decode_object(part: &str) -> Result<Map<String, Value>, ProofRefusal> {
    let bytes = crate::base64url::decode(part).ok_or(ProofRefusal::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ProofRefusal::Malformed),
    }
}

fn string_claim<'a>(
    claims: &'a Map<String, Value>,
    name: &'static str,
) -> Result<&'a str, ProofRefusal> {
    match claims.get(name) {
        None => Err(ProofRefusal::MissingClaim(name)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ProofRefusal::InvalidClaim(name)),
    }
}

/// A NumericDate: a non-negative number of seconds, fractions dropped.
fn numeric_date(claims: &Map<String, Value>, name: &'static str) -> Result<u64, ProofRefusal> {
    let value = claims.get(name).ok_or(ProofRefusal::MissingClaim(name))?;
    if let Some(n) = value.as_u64() {
        return Ok(n);
    }
    match value.as_f64() {
        Some(f) if f.is_finite() && f >= 0.0 => {
            // Float-to-integer casts saturate: a float beyond u64 becomes
            // u64::MAX (the future), fractions are dropped.
            Ok(f as u64)
        }
        _ => Err(ProofRefusal::InvalidClaim(name)),
    }
}
