mod common;
use common::*;
use sesame_core::seal::{SealError, Sealer, SealingKey};

fn sealer() -> Sealer {
    Sealer::new(SealingKey::from_bytes([1; 32]))
}

#[test]
fn round_trip_within_max_age() {
    let s = sealer();
    let sealed = s.seal("p", b"payload", now(), &rng()).unwrap();
    assert!(sealed.len() < 200);
    assert_eq!(s.open("p", &sealed, now() + secs(599)).unwrap(), b"payload");
}

#[test]
fn expired_after_ten_minutes_by_default() {
    let s = sealer();
    let sealed = s.seal("p", b"payload", now(), &rng()).unwrap();
    assert_eq!(
        s.open("p", &sealed, now() + secs(601)),
        Err(SealError::Expired)
    );
}

#[test]
fn max_age_is_configurable() {
    let s = sealer().max_age(secs(30));
    let sealed = s.seal("p", b"x", now(), &rng()).unwrap();
    assert!(s.open("p", &sealed, now() + secs(30)).is_ok());
    assert_eq!(
        s.open("p", &sealed, now() + secs(31)),
        Err(SealError::Expired)
    );
}

#[test]
fn from_the_future_is_refused() {
    let s = sealer();
    let sealed = s.seal("p", b"x", now() + secs(3600), &rng()).unwrap();
    assert_eq!(s.open("p", &sealed, now()), Err(SealError::FromTheFuture));
}

#[test]
fn every_flipped_bit_is_detected() {
    let s = sealer();
    let sealed = s.seal("p", b"payload", now(), &rng()).unwrap();
    let raw = base64_decode(&sealed);
    for i in 0..raw.len() {
        for bit in [0x01u8, 0x80] {
            let mut t = raw.clone();
            t[i] ^= bit;
            let err = s.open("p", &base64_encode(&t), now()).unwrap_err();
            assert!(
                matches!(
                    err,
                    SealError::Tampered | SealError::UnknownKey | SealError::Malformed
                ),
                "byte {i}: {err:?}"
            );
        }
    }
}

#[test]
fn truncated_and_garbage_values_are_malformed() {
    let s = sealer();
    let sealed = s.seal("p", b"payload", now(), &rng()).unwrap();
    for cut in [0, 1, 10, sealed.len() / 2, sealed.len() - 1] {
        assert!(s.open("p", &sealed[..cut], now()).is_err());
    }
    assert_eq!(
        s.open("p", "!!!not base64!!!", now()),
        Err(SealError::Malformed)
    );
    assert_eq!(
        s.open("p", &"A".repeat(100_000), now()),
        Err(SealError::Malformed)
    );
}

#[test]
fn another_purpose_does_not_open() {
    let s = sealer();
    let sealed = s.seal("login", b"x", now(), &rng()).unwrap();
    assert_eq!(s.open("session", &sealed, now()), Err(SealError::Tampered));
}

#[test]
fn a_wrong_key_is_reported() {
    let sealed = sealer().seal("p", b"x", now(), &rng()).unwrap();
    let other = Sealer::new(SealingKey::from_bytes([2; 32]));
    assert_eq!(other.open("p", &sealed, now()), Err(SealError::UnknownKey));
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}
