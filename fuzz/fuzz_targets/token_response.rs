//! Token responses and error bodies: `tokens::parse_token_response` on an
//! `http::Response` built from the input (two bytes of status, one byte of
//! Content-Type flags, then the body; see `sesame_fuzz::response`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_core::tokens::parse_token_response;
use sesame_fuzz::{now, response};

fuzz_target!(|data: &[u8]| {
    let resp = response(data);
    let requested = ["openid".to_owned(), "email".to_owned()];
    if let Ok(tokens) = parse_token_response(&resp, now(), &requested) {
        assert!(resp.status().is_success());
        assert!(!tokens.access_token.expose().is_empty());
        assert_eq!(tokens.token_type, "Bearer");
        // The tokens never stay among the extra fields.
        for k in ["access_token", "refresh_token", "id_token", "token_type"] {
            assert!(!tokens.extra.contains_key(k), "{k} left in extra");
        }
        if let Some(exp) = tokens.expires_at {
            assert!(exp >= now());
        }
        let _ = format!("{tokens:?}");
    }
});
