//! The authorization server's `POST /token` through
//! `AuthServerService::handle`: form parsing, client authentication
//! (Basic, post, none), the authorization-code, refresh-token and
//! client-credentials grants. Each input gets a fresh store holding the
//! fixture's unused codes and current refresh token (`sesame_fuzz::server`).
//!
//! The input is a request: `Name: value` lines, an empty line, the body;
//! or just a form body (see `sesame_fuzz::request`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_fuzz::server::{check_response, Fixture};

fuzz_target!(|data: &[u8]| {
    let resp = Fixture::get().post("/token", data);
    check_response(&resp);
    let json: serde_json::Value =
        serde_json::from_slice(resp.body()).expect("the token endpoint always answers JSON");
    if resp.status() == 200 {
        assert!(json["access_token"].is_string());
        assert_eq!(
            resp.headers()
                .get(http::header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
    } else {
        assert!(
            json["error"].is_string(),
            "error answer without error: {json}"
        );
    }
});
