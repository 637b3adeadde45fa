//! Stateless DPoP nonces (RFC 9449 §8, §9): every instance with the same
//! secret issues and accepts the same nonce; a nonce lives through its own
//! window and the next one, and no longer.
mod common;
use common::*;
use sesame_core::dpop::{NonceError, NonceSource};

const SECRET: [u8; 32] = [0x5a; 32];

fn source() -> NonceSource {
    NonceSource::new(&SECRET, NonceSource::DEFAULT_PERIOD).unwrap()
}

/// The start of a five-minute window, so that offsets are exact.
fn window_start() -> std::time::SystemTime {
    let t = unix(now());
    sesame_core::time::from_unix(t - t % 300)
}

#[test]
fn two_instances_with_the_same_secret_agree() {
    let (a, b) = (source(), source());
    let t = window_start();
    assert_eq!(a.current(t), b.current(t));
    assert!(b.accepts(&a.current(t), t));
    assert!(a.accepts(&b.current(t + secs(299)), t));
    assert_eq!(a.current(t).len(), 22);
}

#[test]
fn the_nonce_changes_with_the_window_and_not_within_it() {
    let s = source();
    let t = window_start();
    assert_eq!(s.current(t), s.current(t + secs(299)));
    assert_ne!(s.current(t), s.current(t + secs(300)));
    assert_eq!(s.period(), secs(300));
}

#[test]
fn the_previous_window_is_accepted_and_older_ones_are_not() {
    let s = source();
    let t = window_start();
    let nonce = s.current(t);
    assert!(s.accepts(&nonce, t));
    assert!(s.accepts(&nonce, t + secs(300)), "the next window");
    assert!(s.accepts(&nonce, t + secs(599)));
    assert!(!s.accepts(&nonce, t + secs(600)), "two windows later");
    assert!(!s.accepts(&nonce, t - secs(1)), "a nonce from the future");
}

#[test]
fn different_secrets_refuse_each_other() {
    let other = NonceSource::new(&[0xa5; 32], NonceSource::DEFAULT_PERIOD).unwrap();
    let t = window_start();
    assert_ne!(source().current(t), other.current(t));
    assert!(!other.accepts(&source().current(t), t));
    assert!(!source().accepts(&other.current(t), t));
}

#[test]
fn forged_and_truncated_nonces_are_refused() {
    let s = source();
    let t = window_start();
    let nonce = s.current(t);
    assert!(!s.accepts("", t));
    assert!(!s.accepts(&nonce[..21], t));
    assert!(!s.accepts(&format!("{nonce}A"), t));
    assert!(!s.accepts(&nonce.to_uppercase(), t));
}

#[test]
fn short_secrets_and_periods_are_refused() {
    assert_eq!(
        NonceSource::new(&[1; 31], NonceSource::DEFAULT_PERIOD).unwrap_err(),
        NonceError::SecretTooShort
    );
    assert_eq!(
        NonceSource::new(&SECRET, std::time::Duration::from_millis(999)).unwrap_err(),
        NonceError::PeriodTooShort
    );
    let short = NonceSource::new(&SECRET, secs(30)).unwrap();
    let t = window_start();
    assert!(!short.accepts(&short.current(t), t + secs(60)));
}

#[test]
fn the_secret_never_appears_in_debug_output() {
    let shown = format!("{:?}", source());
    assert!(!shown.contains("90"), "{shown}"); // 0x5a
    assert!(shown.contains("period"), "{shown}");
}
