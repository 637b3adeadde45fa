//! Compact JWS / JWT: `jose::verify`, `verify_signature`, `Header::peek`
//! and `unverified_claims`.
//!
//! Mode 0: the input is the token (any text).
//! Mode 1: `header JSON \0 payload`, signed here with the HS256 fixture key,
//! so that the header and payload parsers run behind a valid signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_core::jose::{self, Algorithm, Header};
use sesame_fuzz::{key_set, mode, sign_hs256, split, text, ALL_ALGORITHMS};

fn check(token: &str) {
    let keys = key_set();
    let peeked = Header::peek(token);
    let _ = jose::unverified_claims(token);
    for allowed in [
        ALL_ALGORITHMS,
        Algorithm::ASYMMETRIC,
        &[Algorithm::HS256][..],
    ] {
        let verified = jose::verify(token, keys, allowed);
        let header = jose::verify_signature(token, keys, allowed);
        assert_eq!(
            verified.is_ok(),
            header.is_ok(),
            "verify and verify_signature disagree"
        );
        if let Ok(v) = verified {
            // A verified token's header is the one peek reads, and its alg is allowed.
            assert_eq!(peeked.as_ref().ok(), Some(&v.header));
            assert!(allowed.contains(&v.header.alg));
            let _ = v.claims();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((m, rest)) = mode(data, 2) else {
        return;
    };
    match m {
        0 => check(&text(rest)),
        _ => {
            let (header, payload) = split(rest);
            check(&sign_hs256(header, payload));
        }
    }
});
