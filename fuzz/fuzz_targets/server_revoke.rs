//! The authorization server's `POST /revoke` (RFC 7009) through
//! `AuthServerService::handle`: client authentication, then the token
//! (the fixture's access and refresh tokens are valid; see
//! `sesame_fuzz::server`). Input: as for `server_token`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_fuzz::server::{check_response, Fixture};

fuzz_target!(|data: &[u8]| {
    let resp = Fixture::get().post("/revoke", data);
    check_response(&resp);
});
