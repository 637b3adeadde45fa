//! Callback parameters: `CallbackParams::from_query` / `from_form`,
//! `login::callback_params`, then `LoginService::callback` against a real
//! pending login (its cookie is always sent; the seeds carry its `state`),
//! which runs every check made before the token request.
//!
//! Mode 0: `query \0 extra Cookie header`.
//! Mode 1: `form body \0 extra Cookie header` (response_mode=form_post).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_core::client::{CallbackParams, MAX_CALLBACK_LEN};
use sesame_core::login::callback_params;
use sesame_fuzz::client::{Rp, PROVIDER_ID};
use sesame_fuzz::{mode, now, split, text};

fuzz_target!(|data: &[u8]| {
    let Some((m, rest)) = mode(data, 2) else {
        return;
    };
    let (params, extra_cookie) = split(rest);
    let parsed = if m == 0 {
        let q = text(params);
        let a = CallbackParams::from_query(&q);
        let b = callback_params(Some(&q), None);
        assert_eq!(a.as_ref().ok(), b.as_ref().ok());
        assert_eq!(a.is_ok(), CallbackParams::from_form(q.as_bytes()).is_ok());
        a
    } else {
        let a = CallbackParams::from_form(params);
        let b = callback_params(Some("ignored=1"), Some(params));
        assert_eq!(a.as_ref().ok(), b.as_ref().ok());
        a
    };
    let Ok(p) = parsed else {
        return;
    };
    assert!(params.len() <= MAX_CALLBACK_LEN);
    let rp = Rp::get();
    let extra = text(extra_cookie);
    let start = rp.service.callback(
        PROVIDER_ID,
        rp.metadata.clone(),
        &p,
        [rp.cookie.as_str(), extra.as_ref()],
        now(),
        &sesame_core::random::SeededRandom::new(0),
    );
    if let Ok((_exchange, outgoing)) = &start.result {
        // Accepted only with the pending login's state, and with a code.
        assert_eq!(p.state.as_deref(), Some(rp.state.as_str()));
        assert!(p.code.as_deref().is_some_and(|c| !c.is_empty()));
        assert!(p.error.is_none());
        let _ = outgoing;
    }
});
