//! Guessing passwords at the login page: the first failures are 401, then
//! 429 with a `Retry-After` that grows up to a cap; the right password is
//! refused too while it must wait; unknown usernames are treated exactly
//! like known ones; one address spraying many usernames is throttled; the
//! counters end with their window. All through `AuthServerService::handle`
//! with the clock under the test's control.
mod common;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use common::server::*;
use common::*;
use serde_json::json;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_server::{
    AuthServerService, AuthorizationServer, ClientAddr, Limit, MemoryStore, RegisteredClient,
    ServerConfig, StaticUsers, ThrottleConfig, User, Users,
};

const CB: &str = "https://app.example/cb";

fn users() -> StaticUsers {
    StaticUsers::default().user("alice", "pw", json!({}).as_object().cloned().unwrap())
}

fn service_with(throttle: ThrottleConfig, users: Arc<dyn Users>) -> AuthServerService {
    let config = ServerConfig::new(AS_ISSUER)
        .scopes(["api:read"])
        .client(RegisteredClient::new("web", Some("web-secret"), &[CB]))
        .throttle(throttle);
    AuthServerService::new(
        Arc::new(AuthorizationServer::new(config, es256_key("k"))),
        Arc::new(MemoryStore::default()),
        users,
        Sealer::new(SealingKey::from_bytes([8; 32])),
    )
}

fn service(throttle: ThrottleConfig) -> AuthServerService {
    service_with(throttle, Arc::new(users()))
}

/// A login form fetched at `at`: (its fields, its CSRF cookie).
struct Form {
    authorization: String,
    csrf: String,
    cookie: String,
}

fn form_at(s: &AuthServerService, at: SystemTime) -> Form {
    let uri = format!("/authorize?{}", authorize_query("web", CB, ""));
    let resp = block_on(s.handle(
        http::Request::get(uri).body(Vec::new()).unwrap(),
        at,
        &rng(),
    ));
    assert_eq!(resp.status(), 200);
    form_of(&resp)
}

/// The fresh form a login page carries.
fn form_of(resp: &http::Response<Vec<u8>>) -> Form {
    let html = page(resp);
    Form {
        authorization: field(&html, "authorization"),
        csrf: field(&html, "csrf"),
        cookie: csrf_cookie(resp),
    }
}

fn post_form(
    s: &AuthServerService,
    f: &Form,
    username: &str,
    password: &str,
    addr: Option<IpAddr>,
    at: SystemTime,
) -> http::Response<Vec<u8>> {
    block_on(s.handle(login_request(f, username, password, addr), at, &rng()))
}

fn login_request(
    f: &Form,
    username: &str,
    password: &str,
    addr: Option<IpAddr>,
) -> http::Request<Vec<u8>> {
    let mut req = http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &f.cookie)
        .body(form(&[
            ("authorization", &f.authorization),
            ("csrf", &f.csrf),
            ("username", username),
            ("password", password),
        ]))
        .unwrap();
    if let Some(a) = addr {
        req.extensions_mut().insert(ClientAddr(a));
    }
    req
}

/// One sign-in attempt at `at`: a fresh form, posted.
fn attempt(
    s: &AuthServerService,
    username: &str,
    password: &str,
    addr: Option<IpAddr>,
    at: SystemTime,
) -> http::Response<Vec<u8>> {
    let f = form_at(s, at);
    post_form(s, &f, username, password, addr, at)
}

fn retry_after(resp: &http::Response<Vec<u8>>) -> Option<u64> {
    resp.headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap())
}

/// Signed in: a 303 to the client with a code.
fn signed_in(resp: &http::Response<Vec<u8>>) -> bool {
    resp.status() == 303
        && resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("https://app.example/cb?code=")
}

/// A page with its one-time values blanked, to compare two answers.
fn normalized(resp: &http::Response<Vec<u8>>) -> String {
    let mut html = page(resp);
    for name in ["authorization", "csrf"] {
        let v = field(&html, name);
        html = html.replace(&v, "…");
    }
    html
}

fn addr(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

#[test]
fn thirty_wrong_passwords_get_401_then_429_with_a_growing_retry_after() {
    let s = service(ThrottleConfig::default());
    let t = now();
    let mut waits = Vec::new();
    for i in 1..=30 {
        let resp = attempt(&s, "alice", "wrong", None, t);
        if i <= 5 {
            assert_eq!(resp.status(), 401, "failure {i}");
            assert_eq!(retry_after(&resp), None);
            assert!(page(&resp).contains("Wrong username or password"));
        } else {
            assert_eq!(resp.status(), 429, "attempt {i}");
            assert!(resp.headers().get("location").is_none());
            assert!(page(&resp).contains("Too many attempts"), "{}", page(&resp));
            // A fresh form comes with it, for after the wait.
            assert_eq!(resp.headers()["x-frame-options"], "DENY");
            let _ = form_of(&resp);
            waits.push(retry_after(&resp).unwrap());
        }
    }
    // Every attempt while waiting counts, and its Retry-After is the wait
    // it leaves: 2 s, 4 s, 8 s … up to 15 min.
    assert_eq!(&waits[..10], &[2, 4, 8, 16, 32, 64, 128, 256, 512, 900]);
    assert!(waits[10..].iter().all(|w| *w == 900), "{waits:?}");

    // The right password while waiting: the same 429, no code (no oracle).
    let right = attempt(&s, "alice", "pw", None, t + secs(10));
    assert_eq!(right.status(), 429);
    assert!(right.headers().get("location").is_none());
    assert_eq!(retry_after(&right), Some(900));
    // Retrying a second early: still too early, and counted.
    let early = attempt(&s, "alice", "pw", None, t + secs(10 + 899));
    assert_eq!(
        (early.status().as_u16(), retry_after(&early)),
        (429, Some(900))
    );

    // After the wait it works, and the success resets the counter.
    let later = t + secs(10 + 899 + 900);
    assert!(signed_in(&attempt(&s, "alice", "pw", None, later)));
    for i in 1..=5 {
        let resp = attempt(&s, "alice", "wrong", None, later);
        assert_eq!(resp.status(), 401, "failure {i} after the reset");
    }
    assert_eq!(attempt(&s, "alice", "wrong", None, later).status(), 429);
}

#[test]
fn waiting_out_each_delay_still_doubles_it() {
    let s = service(ThrottleConfig::default());
    let mut t = now();
    for _ in 0..5 {
        assert_eq!(attempt(&s, "alice", "wrong", None, t).status(), 401);
    }
    t += secs(1);
    // A guesser who waits out every delay gets one guess per wait, and
    // the wait doubles each time.
    let mut waits = Vec::new();
    for _ in 0..12 {
        let resp = attempt(&s, "alice", "wrong", None, t);
        assert_eq!(resp.status(), 429);
        let wait = retry_after(&resp).unwrap();
        waits.push(wait);
        t += secs(wait);
    }
    assert_eq!(
        waits,
        [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900],
        "capped at 15 min, never a lockout"
    );
    // One second early: still refused — and knocking counts, so the
    // answer is the next, longer wait, from now.
    let early = attempt(&s, "alice", "pw", None, t - secs(1));
    assert_eq!(
        (early.status().as_u16(), retry_after(&early)),
        (429, Some(900))
    );
    assert_eq!(
        attempt(&s, "alice", "pw", None, t + secs(898)).status(),
        429
    );
    // On time (after the wait the last answer gave), the right password signs in.
    assert!(signed_in(&attempt(
        &s,
        "alice",
        "pw",
        None,
        t + secs(898 + 900)
    )));
}

#[test]
fn the_window_forgets_every_failure() {
    let window = Duration::from_secs(600);
    let throttle = ThrottleConfig::default().username(Limit::new(3, window));
    let s = service(throttle);
    let t = now();
    for i in 1..=10 {
        let resp = attempt(&s, "alice", "wrong", None, t + secs(i));
        assert_eq!(resp.status(), if i <= 3 { 401 } else { 429 }, "attempt {i}");
    }
    // Ten minutes after the first failure the counter is gone, whatever
    // happened since: three free failures again.
    let later = t + window + secs(1);
    for i in 1..=3 {
        assert_eq!(
            attempt(&s, "alice", "wrong", None, later).status(),
            401,
            "{i}"
        );
    }
    assert_eq!(attempt(&s, "alice", "pw", None, later).status(), 429);
    assert!(signed_in(&attempt(&s, "alice", "pw", None, later + window)));
}

#[test]
fn an_unknown_username_is_answered_exactly_like_a_known_one() {
    let s = service(ThrottleConfig::default());
    let t = now();
    for i in 0..12 {
        let at = t + secs(i);
        let known = attempt(&s, "alice", "wrong", None, at);
        let unknown = attempt(&s, "mallory", "wrong", None, at);
        assert_eq!(known.status(), unknown.status(), "attempt {i}");
        assert_eq!(retry_after(&known), retry_after(&unknown), "attempt {i}");
        assert_eq!(normalized(&known), normalized(&unknown), "attempt {i}");
        let headers = |r: &http::Response<Vec<u8>>| {
            let mut h: Vec<String> = r.headers().keys().map(|k| k.as_str().to_owned()).collect();
            h.sort();
            h
        };
        assert_eq!(headers(&known), headers(&unknown));
    }
    // Case and surrounding spaces do not make a fresh counter.
    for name in ["Alice", " alice ", "ALICE"] {
        assert_eq!(
            attempt(&s, name, "wrong", None, t + secs(12)).status(),
            429,
            "{name}"
        );
    }
}

#[test]
fn one_address_spraying_many_usernames_is_throttled() {
    let s = service(ThrottleConfig::default());
    let t = now();
    let sprayer = addr("203.0.113.7");
    // One password on thirty usernames: each username's first failure,
    // but the address's thirtieth.
    for i in 0..30 {
        let resp = attempt(&s, &format!("user{i}"), "Summer2024!", sprayer, t);
        assert_eq!(resp.status(), 401, "username {i}");
    }
    let resp = attempt(&s, "user30", "Summer2024!", sprayer, t);
    assert_eq!((resp.status().as_u16(), retry_after(&resp)), (429, Some(2)));
    // The right password from that address waits too…
    assert_eq!(attempt(&s, "alice", "pw", sprayer, t).status(), 429);
    // …from another address alice signs in (her own counter is clean).
    assert!(signed_in(&attempt(
        &s,
        "alice",
        "pw",
        addr("198.51.100.1"),
        t
    )));
    // The same address written as IPv4-mapped IPv6 is the same address.
    assert_eq!(
        attempt(&s, "alice", "pw", addr("::ffff:203.0.113.7"), t).status(),
        429
    );
}

#[test]
fn an_ipv6_network_counts_as_one_address() {
    let s = service(ThrottleConfig::default());
    let t = now();
    let net: Ipv6Addr = "2001:db8:7:7::".parse().unwrap();
    for i in 0..30u16 {
        // A fresh address of the same /64 each time.
        let mut seg = net.segments();
        seg[7] = i + 1;
        let a = IpAddr::V6(Ipv6Addr::from(seg));
        assert_eq!(attempt(&s, &format!("u{i}"), "x", Some(a), t).status(), 401);
    }
    let other_in_net = addr("2001:db8:7:7:ffff:ffff:ffff:ffff");
    assert_eq!(attempt(&s, "alice", "pw", other_in_net, t).status(), 429);
    assert!(signed_in(&attempt(
        &s,
        "alice",
        "pw",
        addr("2001:db8:7:8::1"),
        t
    )));
}

#[test]
fn a_successful_sign_in_is_not_held_against_its_address() {
    // A shared address (an office behind NAT) where people sign in all day.
    let throttle =
        ThrottleConfig::default().login_address(Limit::new(3, Duration::from_secs(3600)));
    let s = service(throttle);
    let t = now();
    let office = addr("192.0.2.10");
    for i in 0..20 {
        assert!(
            signed_in(&attempt(&s, "alice", "pw", office, t + secs(i))),
            "{i}"
        );
    }
    // Its failures still count: three free, then waits.
    for i in 0..3 {
        assert_eq!(
            attempt(&s, &format!("x{i}"), "x", office, t + secs(30)).status(),
            401
        );
    }
    assert_eq!(
        attempt(&s, "alice", "pw", office, t + secs(30)).status(),
        429
    );
}

/// Answers after yielding once, like a user check that hashes a password
/// or asks a database: concurrent attempts all reach it before any ends.
struct SlowUsers(StaticUsers);

struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[async_trait::async_trait]
impl Users for SlowUsers {
    async fn validate(&self, username: &str, password: &str) -> Option<User> {
        YieldOnce(false).await;
        self.0.validate(username, password).await
    }
}

#[test]
fn concurrent_guesses_cannot_slip_through_together() {
    let s = service_with(ThrottleConfig::default(), Arc::new(SlowUsers(users())));
    let t = now();
    // Twenty guesses sent at once; the last one is right.
    let forms: Vec<Form> = (0..20).map(|_| form_at(&s, t)).collect();
    let rng = rng();
    let mut calls: Vec<_> = forms
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let pw = if i == 19 { "pw" } else { "wrong" };
            Some(Box::pin(s.handle(
                login_request(f, "alice", pw, None),
                t,
                &rng,
            )))
        })
        .collect();
    let mut answers = vec![None; calls.len()];
    let mut cx = Context::from_waker(std::task::Waker::noop());
    while answers.iter().any(Option::is_none) {
        for (call, answer) in calls.iter_mut().zip(answers.iter_mut()) {
            if let Some(f) = call {
                if let Poll::Ready(resp) = f.as_mut().poll(&mut cx) {
                    *answer = Some(resp);
                    *call = None;
                }
            }
        }
    }
    let statuses: Vec<u16> = answers
        .iter()
        .map(|r| r.as_ref().unwrap().status().as_u16())
        .collect();
    // Each attempt is counted before its password is checked: five are
    // checked, the other fifteen wait — the right guess among them.
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        15,
        "{statuses:?}"
    );
    assert_eq!(statuses[19], 429);
}

#[test]
fn with_throttling_off_every_failure_is_a_plain_401() {
    let s = service(ThrottleConfig::off());
    for _ in 0..30 {
        assert_eq!(
            attempt(&s, "alice", "wrong", addr("203.0.113.9"), now()).status(),
            401
        );
    }
    assert!(signed_in(&attempt(
        &s,
        "alice",
        "pw",
        addr("203.0.113.9"),
        now()
    )));
}

#[test]
fn a_sign_in_form_works_once() {
    let s = service(ThrottleConfig::default());
    let t = now();
    let f = form_at(&s, t);
    let wrong = post_form(&s, &f, "alice", "wrong", None, t);
    assert_eq!(wrong.status(), 401);
    // The same form again, even with the right password: refused, with a
    // fresh form to sign in with.
    let again = post_form(&s, &f, "alice", "pw", None, t);
    assert_eq!(again.status(), 400);
    assert!(again.headers().get("location").is_none());
    assert!(page(&again).contains("already sent"), "{}", page(&again));
    let fresh = form_of(&again);
    assert_ne!(fresh.csrf, f.csrf);
    // The form that came back with the 401 is a new one, and works once.
    let retry = form_of(&wrong);
    assert_ne!(retry.csrf, f.csrf);
    assert!(signed_in(&post_form(&s, &retry, "alice", "pw", None, t)));
    let replay = post_form(&s, &retry, "alice", "pw", None, t + secs(30));
    assert_eq!(replay.status(), 400, "a second code from one form");
    // Later on, when the form has expired, it is refused as expired.
    let expired = post_form(&s, &f, "alice", "pw", None, t + secs(3600));
    assert_eq!(expired.status(), 400);
    assert!(page(&expired).contains("expired"));
    // The fresh form from the refusal works.
    assert!(signed_in(&post_form(&s, &fresh, "alice", "pw", None, t)));
}

#[test]
fn addresses_are_taken_from_the_request_extension_only() {
    // A forwarding header a client sets is not an address.
    let s =
        service(ThrottleConfig::default().login_address(Limit::new(1, Duration::from_secs(60))));
    let t = now();
    let ip = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 50));
    assert_eq!(attempt(&s, "a", "x", Some(ip), t).status(), 401);
    assert_eq!(attempt(&s, "b", "x", Some(ip), t).status(), 429);
    let f = form_at(&s, t);
    let mut req = login_request(&f, "alice", "pw", None);
    req.headers_mut()
        .insert("x-forwarded-for", "203.0.113.50".parse().unwrap());
    assert!(signed_in(&block_on(s.handle(req, t, &rng()))));
}

#[test]
fn the_handler_stays_send_for_the_adapters() {
    fn send<T: Send>(_: &T) {}
    let s = service(ThrottleConfig::default());
    let f = form_at(&s, now());
    let rng = rng();
    let call = s.handle(
        login_request(&f, "alice", "pw", addr("203.0.113.1")),
        now(),
        &rng,
    );
    send(&call);
    assert!(signed_in(&block_on(call)));
}
