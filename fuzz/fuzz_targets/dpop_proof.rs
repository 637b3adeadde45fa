//! DPoP proofs (RFC 9449 §4.3): `dpop::proof_from_headers` and
//! `ProofPolicy::check` — what a token endpoint or an API runs on the
//! `DPoP` header of every request, before anything else is known.
//!
//! Mode 0: the input is the proof (any text), checked for a POST to the
//! fixture token endpoint, with and without an access token and a nonce.
//! Mode 1: `header JSON \0 claims JSON`; when the header is a JSON object
//! the harness puts the Ed25519 fixture key's public JWK in it (unless it
//! has one) and signs with that key, so that the claim rules run behind a
//! valid signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sesame_core::dpop::{proof_from_headers, thumbprint, ProofPolicy};
use sesame_fuzz::{ed25519_signer, mode, now, split, text};

const HTU: &str = "https://id.example.com/token";
const TOKEN: &str = "access-token-1";
const NONCE: &str = "nonce-1";

fn check(proof: &str) {
    let htu: url::Url = HTU.parse().expect("url");
    let mut with_nonce = ProofPolicy::default();
    with_nonce.require_nonce = true;
    for (policy, token) in [
        (ProofPolicy::default(), None),
        (ProofPolicy::default(), Some(TOKEN)),
        (with_nonce, Some(TOKEN)),
    ] {
        let Ok(checked) = policy.check(proof, &http::Method::POST, &htu, now(), token, |n| {
            n == NONCE
        }) else {
            continue;
        };
        // Accepted: the key is the header's, the rules held.
        let header = sesame_core::jose::Header::peek(proof).expect("header of an accepted proof");
        let raw: Value = serde_json::from_slice(
            &sesame_core::base64url::decode(proof.split('.').next().expect("part"))
                .expect("base64url"),
        )
        .expect("json");
        assert_eq!(
            thumbprint(&raw["jwk"]).expect("thumbprint").as_str(),
            checked.jkt()
        );
        assert!(policy.algorithms.contains(&header.alg));
        assert!(!checked.jti().is_empty() && checked.jti().len() <= 256);
        if policy.require_nonce {
            assert_eq!(checked.nonce(), Some(NONCE));
        }
        let claims = sesame_core::jose::unverified_claims(proof).expect("claims");
        assert_eq!(claims["htm"], "POST");
        if let Some(t) = token {
            assert_eq!(claims["ath"], sesame_core::dpop::ath(t).as_str());
        }
        assert!(!checked.replay_key().is_empty());
    }
    // The same text as a header value (visible ASCII: anything else is
    // malformed there, RFC 9449 §4.3).
    let visible = proof.bytes().all(|b| b.is_ascii_graphic());
    if let Ok(v) = http::HeaderValue::from_str(proof)
        .map_err(|_| ())
        .and_then(|v| if visible { Ok(v) } else { Err(()) })
    {
        let mut h = http::HeaderMap::new();
        h.insert("dpop", v);
        assert_eq!(proof_from_headers(&h), Ok(Some(proof)));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((m, rest)) = mode(data, 2) else {
        return;
    };
    if m == 0 {
        check(&text(rest));
        return;
    }
    let (header, claims) = split(rest);
    let header = match serde_json::from_slice::<Value>(header) {
        Ok(Value::Object(mut h)) => {
            if !h.contains_key("jwk") {
                if let Some(jwk) = ed25519_signer().public_jwk() {
                    h.insert("jwk".into(), jwk);
                }
            }
            serde_json::to_vec(&h).unwrap_or_default()
        }
        _ => header.to_vec(),
    };
    let proof = ed25519_signer()
        .sign_parts(&header, claims)
        .unwrap_or_default();
    check(&proof);
});
