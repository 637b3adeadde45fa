mod common;
use common::*;
use sesame_core::seal::{SealError, Sealer, SealingKey};

#[test]
fn newest_key_seals_and_all_keys_open() {
    let old = Sealer::new(SealingKey::from_bytes([1; 32]));
    let sealed_by_old = old.seal("p", b"old", now(), &rng()).unwrap();

    let rotated = Sealer::with_keys(
        SealingKey::from_bytes([2; 32]),
        [SealingKey::from_bytes([1; 32])],
    );
    assert_eq!(rotated.open("p", &sealed_by_old, now()).unwrap(), b"old");

    let sealed_by_new = rotated.seal("p", b"new", now(), &rng()).unwrap();
    // The old-only sealer cannot open what the new key sealed: the new key sealed it.
    assert_eq!(
        old.open("p", &sealed_by_new, now()),
        Err(SealError::UnknownKey)
    );
    let new_only = Sealer::new(SealingKey::from_bytes([2; 32]));
    assert_eq!(new_only.open("p", &sealed_by_new, now()).unwrap(), b"new");

    // Once the old key is dropped, its values no longer open.
    assert_eq!(
        new_only.open("p", &sealed_by_old, now()),
        Err(SealError::UnknownKey)
    );
}

#[test]
fn keys_round_trip_through_base64() {
    let (key, text) = SealingKey::generate(&rng()).unwrap();
    let again = SealingKey::from_base64(text.expose()).unwrap();
    let sealed = Sealer::new(key).seal("p", b"x", now(), &rng()).unwrap();
    assert_eq!(Sealer::new(again).open("p", &sealed, now()).unwrap(), b"x");
    assert!(SealingKey::from_base64("too-short").is_err());
    assert!(
        !format!("{:?}", SealingKey::from_base64(text.expose()).unwrap()).contains(text.expose())
    );
}
