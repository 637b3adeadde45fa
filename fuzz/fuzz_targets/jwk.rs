//! JWK and JWK Set: `JwkSet::parse` and `VerifyingKey::from_jwk`, then
//! every key that parsed verifies the RFC 7515 tokens (so that ring sees
//! whatever key material a hostile JWKS can get past the parser).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_core::jose::{self, JwkSet, VerifyingKey};
use sesame_fuzz::{ALL_ALGORITHMS, RFC7515_ES256, RFC7515_RS256};

fuzz_target!(|data: &[u8]| {
    if let Ok(set) = JwkSet::parse(data) {
        assert!(set.keys().len() <= 64, "more than MAX_KEYS keys kept");
        for token in [RFC7515_RS256, RFC7515_ES256] {
            let _ = jose::verify(token, &set, ALL_ALGORITHMS);
        }
        for key in set.keys() {
            for alg in ALL_ALGORITHMS {
                let _ = key.verify(*alg, b"message", &[0u8; 64]);
            }
            if let Some(kid) = key.kid() {
                assert!(set.contains_kid(kid));
                let _ = set.fingerprints(kid).count();
            }
        }
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(key) = VerifyingKey::from_jwk(&value) {
            // A key never verifies outside its family, nor an HMAC key from a JWK.
            for alg in ALL_ALGORITHMS {
                if !key.fits(*alg) {
                    assert!(key.verify(*alg, b"m", b"s").is_err());
                }
            }
            assert_ne!(key.family(), sesame_core::jose::KeyFamily::Hmac);
            let set = JwkSet::from_keys(vec![key]);
            let _ = jose::verify(RFC7515_ES256, &set, ALL_ALGORITHMS);
        }
    }
});
