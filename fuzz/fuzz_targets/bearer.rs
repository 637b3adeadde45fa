//! Bearer headers: `resource::extract_bearer` on a request's headers, then
//! the whole `BearerPolicy::check` (static keys, and a JWKS fetched through
//! `NeedKeys` with its one refetch), with and without a scope guard.
//!
//! Mode 0: the input is `Name: value` header lines (any header, repeated
//! or not; see `sesame_fuzz::headers`).
//! Mode 1: `header JSON \0 claims JSON`, signed here with the HS256 fixture
//! key and sent as `Authorization: Bearer …`, so that the JWT access-token
//! rules (RFC 9068) run behind a valid signature.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sesame_core::client::Exchange as _;
use sesame_core::resource::{extract_bearer, BearerPolicy, BearerValidator, Guard, TrustedIssuer};
use sesame_core::step::Step;
use sesame_fuzz::{headers, key_set, mode, now, sign_hs256, split, ALL_ALGORITHMS};

/// `BearerValidator`'s default clock-skew leeway.
const LEEWAY: std::time::Duration = std::time::Duration::from_secs(60);

fn policy() -> &'static BearerPolicy {
    static P: OnceLock<BearerPolicy> = OnceLock::new();
    P.get_or_init(|| {
        let mut fixed = TrustedIssuer::with_static_keys(
            "https://id.example.com",
            key_set().clone(),
            "https://api.example.com",
        );
        fixed.algorithms = ALL_ALGORITHMS.to_vec();
        let mut remote = TrustedIssuer::new(
            "https://remote.example.com",
            "https://remote.example.com/jwks.json".parse().expect("url"),
            "https://api.example.com",
        )
        .allow_plain_jwt();
        remote.algorithms = ALL_ALGORITHMS.to_vec();
        BearerPolicy::new(BearerValidator::new().issuer(fixed).issuer(remote))
    })
}

fn check(h: &http::HeaderMap) {
    if let Ok(token) = extract_bearer(h) {
        assert!(!token.is_empty() && token.len() <= 16 * 1024);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b)));
    }
    let guards = [
        Guard::new(),
        Guard::new().scope("read").claim_present("role"),
    ];
    for guard in &guards {
        let Ok((mut exchange, mut step)) = policy().check(h, guard, now()) else {
            continue;
        };
        for _ in 0..3 {
            step = match step {
                Step::NeedKeys(_) => match exchange.on_keys(key_set(), now()) {
                    Ok(s) => s,
                    Err(_) => break,
                },
                Step::Send(_) => panic!("no introspection configured, yet a request to send"),
                Step::Done(claims) => {
                    // Accepted up to the validator's leeway (60 s by
                    // default) past `exp`, for clock skew, never later.
                    assert!(claims.expires_at + LEEWAY > now());
                    assert!(!claims.subject.is_empty());
                    // The registered claims were read by the core's
                    // scanner; the claim map, built by serde_json from the
                    // same bytes, must hold the same issuer and subject.
                    let map = claims.claims.map();
                    assert_eq!(
                        map.get("iss").and_then(|v| v.as_str()),
                        Some(claims.issuer.as_str())
                    );
                    assert_eq!(
                        map.get("sub").and_then(|v| v.as_str()),
                        Some(claims.subject.as_str())
                    );
                    break;
                }
            };
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((m, rest)) = mode(data, 2) else {
        return;
    };
    if m == 0 {
        check(&headers(rest));
    } else {
        let (header, claims) = split(rest);
        let token = sign_hs256(header, claims);
        let mut h = http::HeaderMap::new();
        if let Ok(v) = http::HeaderValue::from_str(&format!("Bearer {token}")) {
            h.insert(http::header::AUTHORIZATION, v);
        }
        check(&h);
    }
});
