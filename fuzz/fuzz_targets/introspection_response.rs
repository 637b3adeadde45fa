//! RFC 7662 introspection answers, as a resource server reads them:
//! `Introspector::on_response` (then the short cache), on a response built
//! from the input (status, flags, body: see `sesame_fuzz::response`).
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use sesame_core::resource::Introspector;
use sesame_fuzz::{now, response};

fuzz_target!(|data: &[u8]| {
    let introspector = Introspector::new(
        "https://id.example.com/introspect".parse().expect("url"),
        "api",
        "api-secret",
    )
    .cache(Duration::from_secs(30), 8);
    let resp = response(data);
    let result = introspector.on_response("opaque-token", &resp, now());
    if let Ok(claims) = &result {
        assert!(resp.status().is_success());
        assert!(claims.expires_at > now());
        // The answer is cached, and the cache says the same.
        assert_eq!(
            introspector.cached("opaque-token", now()),
            Some(result.clone())
        );
    }
});
