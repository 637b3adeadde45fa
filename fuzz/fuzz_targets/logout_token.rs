//! Back-channel logout: `logout_token_from_form` on the POST body, then
//! `LogoutTokenValidator::validate` on the token it yields.
//!
//! Mode 0: the input is the form body (`logout_token=…`).
//! Mode 1: `header JSON \0 claims JSON`, signed here with the HS256 fixture
//! key (the validator accepts HS256 and holds that key), so that every
//! claim rule of §2.6 runs; the token also goes through the form once.
//! Mode 2: the claims JSON alone, to `check_claims`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_core::jose::Algorithm;
use sesame_core::session::{
    logout_token_from_form, LogoutTokenValidator, BACKCHANNEL_LOGOUT_EVENT,
};
use sesame_fuzz::client::{CLIENT_ID, OP_ISSUER};
use sesame_fuzz::{key_set, mode, now, sign_hs256, split};

fn validator() -> LogoutTokenValidator {
    let mut v = LogoutTokenValidator::new(OP_ISSUER, CLIENT_ID);
    v.algorithms = vec![
        Algorithm::HS256,
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
    ];
    v
}

fn validate(token: &str) {
    if let Ok(t) = validator().validate(token, key_set(), now()) {
        assert_eq!(t.issuer, OP_ISSUER);
        assert!(!t.jti.is_empty());
        assert!(t.subject.is_some() || t.session_id.is_some());
        let claims = sesame_core::jose::unverified_claims(token).expect("claims of a valid token");
        assert!(claims["events"].get(BACKCHANNEL_LOGOUT_EVENT).is_some());
        assert!(!claims.contains_key("nonce"));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((m, rest)) = mode(data, 3) else {
        return;
    };
    match m {
        0 => {
            if let Ok(token) = logout_token_from_form(rest) {
                assert!(!token.is_empty());
                validate(&token);
            }
        }
        1 => {
            let (header, claims) = split(rest);
            let token = sign_hs256(header, claims);
            let form = format!("logout_token={token}");
            assert_eq!(
                logout_token_from_form(form.as_bytes()).as_deref(),
                Ok(token.as_str())
            );
            validate(&token);
        }
        _ => {
            if let Ok(serde_json::Value::Object(claims)) = serde_json::from_slice(rest) {
                let _ = validator().check_claims(&claims, now());
            }
        }
    }
});
