//! Session cookies: `Sessions::read_cookie` (both storage modes), then
//! `Sessions::resolve` on what the store would answer, and the logout
//! return's `Sessions::logout_return`.
//!
//! Mode 0: `Cookie header \0 Cookie header` (any text; rarely opens).
//! Mode 1: `session JSON \0 stored record JSON \0 sub marker`: the JSON is
//! sealed here with the sessions' key and purposes (the cookie-mode
//! session, the server-mode reference and record), so that the sealed
//! JSON's deserialisation and the revocation and timeout rules run.
//! Mode 2: `query \0 Cookie header` to `logout_return`.
//! Mode 3: `logout state JSON \0 query`: the state cookie is sealed here.
//!
//! The purposes below are private constants of sesame-core
//! (`session/sessions.rs`, `session/logout.rs`); if they change, modes 1
//! and 3 only reach "does not open".
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sesame_core::session::{SessionConfig, SessionStorage, Sessions, LOGOUT_COOKIE};
use sesame_fuzz::{mode, now, rng, sealer, split, text};

const SESSION_PURPOSE: &str = "sesame-session";
const REFERENCE_PURPOSE: &str = "sesame-session-ref";
const LOGOUT_PURPOSE: &str = "sesame-logout";

fn sessions() -> &'static [Sessions; 2] {
    static S: OnceLock<[Sessions; 2]> = OnceLock::new();
    S.get_or_init(|| {
        [
            Sessions::new(
                SessionConfig::default().storage(SessionStorage::Cookie),
                sealer(),
            ),
            Sessions::new(
                SessionConfig::default().storage(SessionStorage::Server),
                sealer(),
            ),
        ]
    })
}

fn seal(purpose: &str, payload: &[u8]) -> String {
    sealer()
        .seal(purpose, payload, now(), &rng())
        .unwrap_or_default()
}

fn read_and_resolve(sessions: &Sessions, headers: &[&str], values: Vec<Option<Vec<u8>>>) {
    if let Some(probe) = sessions.read_cookie(headers.iter().copied(), now()) {
        let keys = probe.keys().len();
        assert!((2..=4).contains(&keys), "{keys} keys");
        if let Ok(mut session) = sessions.resolve(probe, values, now()) {
            assert!(sessions.check_timeouts(&session, now()).is_ok());
            let _ = sessions.touch(&mut session, now());
            let _ = sessions.end(&session, now());
            let _ = sessions.save(&session, now(), &rng());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((m, rest)) = mode(data, 4) else {
        return;
    };
    let [cookie_mode, server_mode] = sessions();
    match m {
        0 => {
            let (a, b) = split(rest);
            let (a, b) = (text(a), text(b));
            for s in [cookie_mode, server_mode] {
                read_and_resolve(s, &[&a, &b], vec![None; 4]);
            }
        }
        1 => {
            let (session, tail) = split(rest);
            let (record, sub_marker) = split(tail);
            let sub_marker = (!sub_marker.is_empty()).then(|| sub_marker.to_vec());
            let cookie = format!("sesame-session={}", seal(SESSION_PURPOSE, session));
            read_and_resolve(
                cookie_mode,
                &[&cookie],
                vec![None, None, sub_marker.clone()],
            );
            let cookie = format!("sesame-session={}", seal(REFERENCE_PURPOSE, session));
            let stored = seal(SESSION_PURPOSE, record).into_bytes();
            read_and_resolve(
                server_mode,
                &[&cookie],
                vec![Some(stored), None, None, sub_marker],
            );
        }
        2 => {
            let (query, cookie) = split(rest);
            let (query, cookie) = (text(query), text(cookie));
            for s in [cookie_mode, server_mode] {
                let (result, clear) = s.logout_return(Some(&query), [cookie.as_ref()], "/", now());
                assert!(
                    result.is_err(),
                    "logout state matched without a sealed cookie"
                );
                assert!(clear.starts_with(LOGOUT_COOKIE));
            }
        }
        _ => {
            let (state, query) = split(rest);
            let cookie = format!("{LOGOUT_COOKIE}={}", seal(LOGOUT_PURPOSE, state));
            let query = text(query);
            let _ = cookie_mode.logout_return(Some(&query), [cookie.as_str()], "/", now());
        }
    }
});
