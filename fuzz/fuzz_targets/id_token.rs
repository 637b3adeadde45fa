//! ID tokens, as the client reads them from a token response:
//! `IdTokenValidator::validate` (OpenID Connect Core §3.1.3.7) and
//! `check_claims`, with the issuer matched exactly or by template.
//!
//! Mode 0: the input is the token (any text).
//! Mode 1: `header JSON \0 claims JSON`, signed here with the HS256 fixture
//! key (the validator accepts HS256 and holds that key).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_core::idtoken::{IdTokenValidator, IssuerRule};
use sesame_core::jose::Algorithm;
use sesame_fuzz::client::{CLIENT_ID, OP_ISSUER};
use sesame_fuzz::{key_set, mode, now, sign_hs256, split, text, ALL_ALGORITHMS};

fn validators() -> [IdTokenValidator; 2] {
    let mut exact = IdTokenValidator::new(OP_ISSUER, CLIENT_ID).nonce("n-0S6_WzA2Mj");
    exact.algorithms = ALL_ALGORITHMS.to_vec();
    let mut template = IdTokenValidator::new("x", CLIENT_ID);
    template.issuer = IssuerRule::Template {
        template: "https://login.example.com/{tenantid}/v2.0".into(),
        placeholder: "{tenantid}".into(),
        claim: "tid".into(),
    };
    template.expected_subject = Some("alice".into());
    template.algorithms = ALL_ALGORITHMS.to_vec();
    [exact, template]
}

fn check(token: &str) {
    for v in validators() {
        if let Ok(claims) = v.validate(token, key_set(), now(), Some("access-token")) {
            assert!(claims.audiences.iter().any(|a| a == CLIENT_ID));
            assert!(!claims.subject.is_empty());
            let _ = v.check_claims(claims.claims.map().clone(), Algorithm::HS256, now(), None);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((m, rest)) = mode(data, 2) else {
        return;
    };
    if m == 0 {
        check(&text(rest));
    } else {
        let (header, claims) = split(rest);
        check(&sign_hs256(header, claims));
    }
});
