//! The authorization server's `POST /introspect` (RFC 7662) through
//! `AuthServerService::handle`: client authentication, then the token
//! (the fixture's access and refresh tokens are valid; see
//! `sesame_fuzz::server`). Input: as for `server_token`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_fuzz::server::{check_response, Fixture};

fuzz_target!(|data: &[u8]| {
    let resp = Fixture::get().post("/introspect", data);
    check_response(&resp);
    if resp.status() == 200 {
        let json: serde_json::Value = serde_json::from_slice(resp.body()).expect("json");
        assert!(
            json["active"].is_boolean(),
            "introspection without active: {json}"
        );
    }
});
