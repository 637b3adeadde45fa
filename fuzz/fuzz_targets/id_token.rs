//! ID tokens, as the client reads them from a token response:
//! `IdTokenValidator::validate` (OpenID Connect Core §3.1.3.7) and
//! `check_claims`, with the issuer matched exactly or by template.
//!
//! Mode 0: the input is the token (any text).
//! Mode 1: `header JSON \0 claims JSON`, signed here with the HS256 fixture
//! key (the validator accepts HS256 and holds that key).
//!
//! Whatever validates must validate again through `check_claims` from the
//! claim map, with the same values: the scanner that reads the registered
//! claims checked against serde_json.
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
            // The registered claims were read by the core's scanner (or
            // serde_json where it declined); read again by serde_json from
            // the claim map, they must pass the same checks with the same
            // values. (A scanner that took invalid JSON would leave the
            // map empty, and this would fail.)
            let again = v
                .check_claims(claims.claims.map().clone(), Algorithm::HS256, now(), None)
                .expect("claims that validated validate again from their map");
            assert_eq!(again.issuer, claims.issuer);
            assert_eq!(again.subject, claims.subject);
            assert_eq!(again.audiences, claims.audiences);
            assert_eq!(again.nonce, claims.nonce);
            assert_eq!(again.expires_at, claims.expires_at);
            assert_eq!(again.issued_at, claims.issued_at);
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
