//! The authorization server's `/authorize`: `AuthorizationServer::authorize`
//! on the raw query, and `AuthServerService::handle` for `GET /authorize?…`
//! and the form `POST /authorize` (OpenID Connect Core §3.1.2.1).
//!
//! The input is the query string / form body. Registered clients: see
//! `sesame_fuzz::server` (`web`, `spa`, `cli` native app, `partner` third party).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_fuzz::server::{check_response, Fixture};
use sesame_fuzz::{block_on, now, rng, text};
use sesame_server::AuthorizeError;

fuzz_target!(|data: &[u8]| {
    let f = Fixture::get();
    let query = text(data);
    match f.server.authorize(&query) {
        Ok(req) => {
            // Accepted only for a registered client and one of its redirect URIs.
            let client = f
                .server
                .config()
                .clients
                .iter()
                .find(|c| c.id == req.client_id);
            assert!(client.is_some(), "unknown client accepted");
            assert_eq!(req.code_challenge.len(), 43);
            let _ = f.server.deny(&req);
        }
        Err(AuthorizeError::Redirect(url)) => {
            // Error redirects go only to a registered redirect URI, with iss.
            let strip = |u: &url::Url, any_port: bool| {
                let mut u = u.clone();
                u.set_query(None);
                if any_port {
                    let _ = u.set_port(None);
                }
                u
            };
            let registered = f.server.config().clients.iter().any(|c| {
                c.redirect_uris
                    .iter()
                    .filter_map(|r| url::Url::parse(r).ok())
                    .any(|r| strip(&r, c.loopback_any_port) == strip(&url, c.loopback_any_port))
            });
            assert!(registered, "error redirect to an unregistered uri: {url}");
            assert!(url
                .query_pairs()
                .any(|(k, v)| k == "iss" && v == sesame_fuzz::server::ISSUER));
        }
        Err(AuthorizeError::Page(_)) => {}
        Err(_) => {}
    }
    let (service, _store) = f.service();
    if let Ok(uri) = http::Uri::try_from(format!("/authorize?{query}")) {
        let mut req = http::Request::new(Vec::new());
        *req.uri_mut() = uri;
        let resp = block_on(service.handle(req, now(), &rng()));
        check_response(&resp);
    }
    let resp = f.post("/authorize", data);
    check_response(&resp);
});
