//! Sessions: made at login with a fresh id, read back from the cookie in
//! both storage modes, ended by logout (here or elsewhere), by back-channel
//! `sid` or `sub`, by the idle and absolute timeouts; refresh, RP-initiated
//! logout and account linking rules.
mod common;
use common::*;
use serde_json::{json, Value};
use sesame_core::client::Login;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::session::*;
use std::time::SystemTime;

/// A real login through the scripted OP, whose ID token carries `sid`.
fn login(sub: &str, sid: &str) -> Login {
    let key = rs256_key("k1");
    let s = start(confidential_client());
    let mut c = id_claims(&s.nonce);
    c.insert("sub".into(), json!(sub));
    c.insert("sid".into(), json!(sid));
    let id_token = sign(&key, &c);
    let (exchange, first) = s.callback(&s.good_query()).unwrap();
    drive(
        exchange,
        first,
        op_answers(
            Some(id_token),
            json!({"sub": sub, "email": "a@example.test", "email_verified": true}),
        ),
        |_| jwks_of(&[&rs256_key("k1")]),
    )
    .unwrap()
}

fn sessions(storage: SessionStorage) -> Sessions {
    Sessions::new(
        SessionConfig::default().storage(storage),
        Sealer::new(SealingKey::from_bytes([5; 32])),
    )
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// Saves `session` into `store` and returns the request's Cookie header.
fn keep(s: &Sessions, store: &MemorySessionStore, session: &Session, at: SystemTime) -> String {
    let save = s.save(session, at, &rng()).unwrap();
    if let Some(w) = save.write {
        store.put_now(&w.key, &w.value, w.ttl, at).unwrap();
    }
    cookie_pair(&save.set_cookie)
}

fn read(
    s: &Sessions,
    store: &MemorySessionStore,
    cookie: &str,
    at: SystemTime,
) -> Result<Session, SessionEnd> {
    let probe = s.read_cookie([cookie], at).ok_or(SessionEnd::NotFound)?;
    let values = store.get_many_now(probe.keys(), at);
    s.resolve(probe, values, at)
}

fn end(s: &Sessions, store: &MemorySessionStore, session: &Session) -> String {
    let ending = s.end(session, now());
    store.put_all_now(&ending.writes, now()).unwrap();
    if let Some(k) = ending.delete {
        store.delete_now(&k);
    }
    ending.clear_cookie
}

const MODES: [SessionStorage; 2] = [SessionStorage::Cookie, SessionStorage::Server];

#[test]
fn a_login_becomes_a_session_with_a_fresh_id_and_the_id_tokens_sid() {
    let s = sessions(SessionStorage::Server);
    let l = login("alice", "sid-a");
    let a = s
        .begin(&l, LinkDecision::NewSession, None, now(), &rng())
        .unwrap();
    let b = s
        .begin(&l, LinkDecision::NewSession, Some(&a), now(), &rng())
        .unwrap();
    assert_ne!(a.id, b.id, "the id is rotated at every login");
    assert_eq!(a.sid.as_deref(), Some("sid-a"));
    assert_eq!(a.issuer.as_deref(), Some(ISSUER));
    assert_eq!(a.identity.id, "alice");
    assert_eq!(a.tokens.refresh_token.as_ref().unwrap().expose(), "rt-1");
    assert!(a.tokens.id_token.is_some());
    // Debug output shows no token and no id.
    let debug = format!("{a:?}");
    assert!(!debug.contains("at-123") && !debug.contains("rt-1") && !debug.contains(a.id.expose()));
}

#[test]
fn both_modes_read_the_session_back_and_logout_kills_the_old_cookie() {
    for mode in MODES {
        let s = sessions(mode);
        let store = MemorySessionStore::default();
        let session = s
            .begin(
                &login("alice", "sid-a"),
                LinkDecision::NewSession,
                None,
                now(),
                &rng(),
            )
            .unwrap();
        let cookie = keep(&s, &store, &session, now());
        let back = read(&s, &store, &cookie, now()).unwrap();
        assert_eq!(back.id, session.id, "{mode:?}");
        assert_eq!(back.tokens.access_token.expose(), "at-123");
        // Server mode: the cookie holds no token; the store holds none in clear.
        if mode == SessionStorage::Server {
            assert!(
                cookie.len() < 600,
                "reference cookie is small: {}",
                cookie.len()
            );
        }
        let clear = end(&s, &store, &session);
        assert!(clear.contains("Max-Age=0"));
        assert_eq!(
            read(&s, &store, &cookie, now()).unwrap_err(),
            SessionEnd::LoggedOut,
            "{mode:?}"
        );
    }
}

#[test]
fn backchannel_sid_ends_one_session_and_sub_ends_all_of_the_user() {
    for mode in MODES {
        let s = sessions(mode);
        let store = MemorySessionStore::default();
        let one = s
            .begin(
                &login("alice", "sid-1"),
                LinkDecision::NewSession,
                None,
                now(),
                &rng(),
            )
            .unwrap();
        let two = s
            .begin(
                &login("alice", "sid-2"),
                LinkDecision::NewSession,
                None,
                now(),
                &rng(),
            )
            .unwrap();
        let bob = s
            .begin(
                &login("bob", "sid-3"),
                LinkDecision::NewSession,
                None,
                now(),
                &rng(),
            )
            .unwrap();
        let (c1, c2, c3) = (
            keep(&s, &store, &one, now()),
            keep(&s, &store, &two, now()),
            keep(&s, &store, &bob, now()),
        );

        let by_sid = LogoutTokenValidator::new(ISSUER, CLIENT_ID)
            .check_claims(json!({"iss": ISSUER, "aud": CLIENT_ID, "iat": unix(now()), "jti": "j1", "sid": "sid-1", "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}).as_object().unwrap(), now())
            .unwrap();
        store
            .put_all_now(&s.backchannel_writes(&by_sid, now()), now())
            .unwrap();
        assert_eq!(
            read(&s, &store, &c1, now()).unwrap_err(),
            SessionEnd::LoggedOut
        );
        assert!(
            read(&s, &store, &c2, now()).is_ok(),
            "the other session of alice lives"
        );

        let by_sub = LogoutTokenValidator::new(ISSUER, CLIENT_ID)
            .check_claims(json!({"iss": ISSUER, "aud": CLIENT_ID, "iat": unix(now()), "jti": "j2", "sub": "alice", "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}).as_object().unwrap(), now())
            .unwrap();
        store
            .put_all_now(&s.backchannel_writes(&by_sub, now()), now())
            .unwrap();
        assert_eq!(
            read(&s, &store, &c2, now()).unwrap_err(),
            SessionEnd::LoggedOut
        );
        assert!(read(&s, &store, &c3, now()).is_ok(), "bob is not touched");

        // A later login of alice is a new session, not caught by the old marker.
        let later = now() + secs(2);
        let three = s
            .begin(
                &login("alice", "sid-4"),
                LinkDecision::NewSession,
                None,
                later,
                &rng(),
            )
            .unwrap();
        let c4 = keep(&s, &store, &three, later);
        assert!(read(&s, &store, &c4, later).is_ok(), "{mode:?}");
    }
}

#[test]
fn idle_and_absolute_timeouts_end_sessions() {
    for mode in MODES {
        let s = sessions(mode);
        let store = MemorySessionStore::default();
        let mut session = s
            .begin(
                &login("alice", "sid-a"),
                LinkDecision::NewSession,
                None,
                now(),
                &rng(),
            )
            .unwrap();
        let cookie = keep(&s, &store, &session, now());
        // 31 minutes unused: idle (server mode: the record expired with its idle TTL).
        let idle = read(&s, &store, &cookie, now() + secs(31 * 60)).unwrap_err();
        assert!(
            matches!(idle, SessionEnd::Idle | SessionEnd::NotFound),
            "{mode:?}: {idle:?}"
        );
        // Used every 20 minutes, it lives until the absolute timeout, then ends.
        let mut at = now();
        let mut cookie = cookie;
        for _ in 0..35 {
            at += secs(20 * 60);
            if at > now() + secs(12 * 3600) {
                break;
            }
            let mut back = read(&s, &store, &cookie, at).unwrap();
            assert!(s.touch(&mut back, at));
            cookie = keep(&s, &store, &back, at);
            session = back;
        }
        let late = now() + secs(12 * 3600 + 60);
        assert!(read(&s, &store, &cookie, late).is_err());
        assert_eq!(s.check_timeouts(&session, late), Err(SessionEnd::Expired));
    }
}

#[test]
fn tampered_or_foreign_cookies_are_no_session() {
    let s = sessions(SessionStorage::Cookie);
    let store = MemorySessionStore::default();
    let session = s
        .begin(
            &login("alice", "sid-a"),
            LinkDecision::NewSession,
            None,
            now(),
            &rng(),
        )
        .unwrap();
    let cookie = keep(&s, &store, &session, now());
    let mut bytes = cookie.into_bytes();
    let n = bytes.len() - 5;
    bytes[n] = if bytes[n] == b'A' { b'B' } else { b'A' };
    assert!(s
        .read_cookie([String::from_utf8(bytes).unwrap().as_str()], now())
        .is_none());
    let other = Sessions::new(
        SessionConfig::default(),
        Sealer::new(SealingKey::from_bytes([6; 32])),
    );
    let c = keep(&s, &store, &session, now());
    assert!(
        other.read_cookie([c.as_str()], now()).is_none(),
        "another key opens nothing"
    );
}

#[test]
fn a_cookie_session_too_large_for_a_browser_is_a_clear_error() {
    let s = sessions(SessionStorage::Cookie);
    let mut l = login("alice", "sid-a");
    l.identity.raw = json!({"blob": "x".repeat(5000)});
    let session = s
        .begin(&l, LinkDecision::NewSession, None, now(), &rng())
        .unwrap();
    match s.save(&session, now(), &rng()) {
        Err(SessionError::CookieTooLarge { size }) => assert!(size > MAX_COOKIE_LEN),
        other => panic!("expected CookieTooLarge, got {other:?}"),
    }
    // Server-side storage keeps it.
    let server = sessions(SessionStorage::Server);
    assert!(server.save(&session, now(), &rng()).is_ok());
}

#[test]
fn refresh_is_due_before_expiry_and_keeps_what_the_provider_did_not_resend() {
    let s = sessions(SessionStorage::Server);
    let session = s
        .begin(
            &login("alice", "sid-a"),
            LinkDecision::NewSession,
            None,
            now(),
            &rng(),
        )
        .unwrap();
    assert!(!s.refresh_due(&session, now()));
    assert!(s.refresh_due(&session, now() + secs(3600 - 59)));
    assert!(!s.access_expired(&session, now() + secs(3599)));
    let tokens = sesame_core::tokens::parse_token_response(
        &json_response(
            200,
            json!({"access_token": "at-2", "token_type": "Bearer", "expires_in": 600}),
        ),
        now(),
        &[],
    );
    let tokens = match tokens {
        Ok(t) => t,
        Err(e) => panic!("{e:?}"),
    };
    let next = s.apply_refresh(&session, &tokens);
    assert_eq!(next.tokens.access_token.expose(), "at-2");
    assert_eq!(
        next.tokens.refresh_token.as_ref().unwrap().expose(),
        "rt-1",
        "kept"
    );
    assert_eq!(
        next.tokens.id_token, session.tokens.id_token,
        "the login's id token stays for id_token_hint"
    );
    // The successor is sealed, found under the previous tokens' key, and only for this session.
    let w = s.successor_write(&session, &next, now(), &rng()).unwrap();
    assert_eq!(w.key, s.successor_key(&session));
    assert!(!String::from_utf8_lossy(&w.value).contains("at-2"));
    assert_eq!(
        s.open_successor(&session, &w.value, now())
            .unwrap()
            .tokens
            .access_token
            .expose(),
        "at-2"
    );
    let other = s
        .begin(
            &login("bob", "sid-b"),
            LinkDecision::NewSession,
            None,
            now(),
            &rng(),
        )
        .unwrap();
    assert!(s.open_successor(&other, &w.value, now()).is_none());
    assert_ne!(
        s.successor_key(&next),
        s.successor_key(&session),
        "a new refresh token, a new key"
    );
    assert_eq!(s.previous_claims(&session, now()).unwrap().subject, "alice");
}

#[test]
fn rp_initiated_logout_sends_the_hint_and_checks_the_state() {
    let s = sessions(SessionStorage::Server);
    let session = s
        .begin(
            &login("alice", "sid-a"),
            LinkDecision::NewSession,
            None,
            now(),
            &rng(),
        )
        .unwrap();
    let end_session: url::Url = "https://op.example/session/end".parse().unwrap();
    let post: url::Url = "https://app.example/logout/callback".parse().unwrap();
    let redirect = s
        .logout(
            Some(&session),
            LogoutTarget::new(Some(&end_session), CLIENT_ID, &post),
            now(),
            &rng(),
        )
        .unwrap();
    let q: Vec<(String, String)> = query_of(&redirect.location);
    let names: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "id_token_hint",
            "post_logout_redirect_uri",
            "client_id",
            "state"
        ]
    );
    assert_eq!(
        param(&redirect.location, "id_token_hint").as_deref(),
        session.tokens.id_token.as_ref().map(|t| t.expose())
    );
    assert_eq!(
        param(&redirect.location, "post_logout_redirect_uri").unwrap(),
        post.as_str()
    );
    assert_eq!(param(&redirect.location, "client_id").unwrap(), CLIENT_ID);
    let state = param(&redirect.location, "state").unwrap();
    assert!(
        redirect.set_cookies[0].starts_with("sesame-session=;"),
        "the session cookie is cleared"
    );
    let logout_cookie = cookie_pair(&redirect.set_cookies[1]);
    assert!(redirect.set_cookies[1].contains("Path=/logout/callback"));

    let (ok, clear) = s.logout_return(
        Some(&format!("state={state}")),
        [logout_cookie.as_str()],
        "/logout/callback",
        now(),
    );
    assert_eq!(ok, Ok(()));
    assert!(clear.contains("Max-Age=0"));
    for bad in [
        format!("state={state}x"),
        String::new(),
        format!("state={state}&state={state}"),
    ] {
        let (r, _) = s.logout_return(
            Some(&bad),
            [logout_cookie.as_str()],
            "/logout/callback",
            now(),
        );
        assert_eq!(r, Err(SessionError::LogoutStateMismatch), "{bad}");
    }
    let (r, _) = s.logout_return(
        Some(&format!("state={state}")),
        Vec::<&str>::new(),
        "/logout/callback",
        now(),
    );
    assert_eq!(r, Err(SessionError::LogoutStateMismatch), "no cookie");

    // Without an end-session endpoint: a local logout, back to the post-logout URI with a state.
    let local = s
        .logout(
            Some(&session),
            LogoutTarget::new(None, CLIENT_ID, &post),
            now(),
            &rng(),
        )
        .unwrap();
    assert_eq!(local.location.path(), "/logout/callback");
    assert!(param(&local.location, "id_token_hint").is_none());
    assert!(param(&local.location, "state").is_some());

    // A provider with only a documented logout page: sent there as is, nothing comes back.
    let page: url::Url =
        "https://idp.example/logout?client_id=c&logout_uri=https%3A%2F%2Fapp.example%2F"
            .parse()
            .unwrap();
    let to_page = s
        .logout(
            Some(&session),
            LogoutTarget::new(None, CLIENT_ID, &post).with_logout_page(Some(&page)),
            now(),
            &rng(),
        )
        .unwrap();
    assert_eq!(to_page.location, page);
    assert_eq!(
        to_page.set_cookies.len(),
        1,
        "only the session cookie's clearing"
    );
    // An OpenID end-session endpoint wins over a page.
    let both = s
        .logout(
            Some(&session),
            LogoutTarget::new(Some(&end_session), CLIENT_ID, &post).with_logout_page(Some(&page)),
            now(),
            &rng(),
        )
        .unwrap();
    assert_eq!(both.location.path(), "/session/end");
}

#[test]
fn linking_needs_an_explicit_request_and_never_follows_an_email() {
    let s = sessions(SessionStorage::Server);
    let current = s
        .begin(
            &login("alice", "sid-a"),
            LinkDecision::NewSession,
            None,
            now(),
            &rng(),
        )
        .unwrap();
    let mut other = login("alice-at-b", "sid-b");
    other.identity.provider = "github".into();
    other.identity.email = current.identity.email.clone();
    other.identity.email_verified = true;

    // Same verified email, signed in, but not asked for: a new, separate session.
    let req = LinkRequest::new(Some(&current), &other.identity, false);
    assert_eq!(safe_default(&req), LinkDecision::NewSession);
    // Not signed in: never a link.
    assert_eq!(
        safe_default(&LinkRequest::new(None, &other.identity, true)),
        LinkDecision::NewSession
    );
    // Asked for by the signed-in user: linked to that user.
    let decision = safe_default(&LinkRequest::new(Some(&current), &other.identity, true));
    assert_eq!(decision, LinkDecision::Link);
    let linked = s
        .begin(&other, decision, Some(&current), now(), &rng())
        .unwrap();
    assert_eq!(linked.user.as_deref(), Some("op:alice"));
    assert_eq!(
        linked.linked,
        vec![LinkedIdentity {
            provider: "op".into(),
            subject: "alice".into()
        }]
    );
    assert_ne!(linked.id, current.id);
    // The link cookie is bound to the session and to the login's state.
    let c = cookie_pair(
        &s.link_cookie(&current, "state-1", "/callback", now(), &rng())
            .unwrap(),
    );
    assert!(s.is_explicit_link([c.as_str()], Some(&current), Some("state-1"), now()));
    assert!(!s.is_explicit_link([c.as_str()], Some(&current), Some("state-2"), now()));
    assert!(!s.is_explicit_link([c.as_str()], Some(&linked), Some("state-1"), now()));
    assert!(!s.is_explicit_link([c.as_str()], None, Some("state-1"), now()));
    // An app policy can refuse.
    assert_eq!(
        s.begin(&other, LinkDecision::Refuse, Some(&current), now(), &rng())
            .unwrap_err(),
        SessionError::LinkRefused
    );
    let _ = Value::Null;
}
