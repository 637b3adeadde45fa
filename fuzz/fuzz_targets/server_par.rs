//! The authorization server's `POST /par` (RFC 9126) through
//! `AuthServerService::handle`: client authentication and the same checks
//! as `/authorize`; then an accepted push's `request_uri` is redeemed at
//! `/authorize` — once (the second time is refused), and only by its
//! client. Input: as for `server_token`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sesame_fuzz::server::{check_response, Fixture};
use sesame_server::REQUEST_URI_PREFIX;

fn authorize(
    service: &sesame_server::AuthServerService,
    client: &str,
    request_uri: &str,
) -> http::Response<Vec<u8>> {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client)
        .append_pair("request_uri", request_uri)
        .finish();
    let req = http::Request::get(format!("/authorize?{q}"))
        .body(Vec::new())
        .expect("request");
    sesame_fuzz::block_on(service.handle(req, sesame_fuzz::now(), &sesame_fuzz::rng()))
}

fuzz_target!(|data: &[u8]| {
    let f = Fixture::get();
    let (service, _store) = f.service();
    let req = sesame_fuzz::request(http::Method::POST, "/par", data);
    let resp = sesame_fuzz::block_on(service.handle(req, sesame_fuzz::now(), &sesame_fuzz::rng()));
    check_response(&resp);
    if resp.status() != 201 {
        return;
    }
    let body: Value = serde_json::from_slice(resp.body()).expect("json");
    let uri = body["request_uri"].as_str().expect("request_uri");
    assert!(uri.starts_with(REQUEST_URI_PREFIX));
    assert!(body["expires_in"]
        .as_u64()
        .is_some_and(|n| n > 0 && n <= 600));
    // Nobody else may use it; its client may, once.
    let other = authorize(&service, "nobody", uri);
    check_response(&other);
    assert_eq!(other.status(), 400);
    let mut owner = None;
    for id in ["web", "spa", "cli", "partner"] {
        let r = authorize(&service, id, uri);
        check_response(&r);
        if r.status() != 400 {
            owner = Some((id, r));
            break;
        }
    }
    let (id, first) = owner.expect("one of the fixture's clients pushed it");
    assert_ne!(first.status(), 500);
    let again = authorize(&service, id, uri);
    assert_eq!(again.status(), 303, "a request_uri works once");
    let location = again.headers()["location"].to_str().expect("location");
    assert!(location.contains("error=invalid_request_uri"), "{location}");
});
