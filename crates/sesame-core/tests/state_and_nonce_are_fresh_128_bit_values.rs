use sesame_core::random::SeededRandom;
use sesame_core::state::{Nonce, State};

#[test]
fn values_carry_128_bits_and_differ() {
    let rng = SeededRandom::new(7);
    let a = State::generate(&rng).unwrap();
    let b = State::generate(&rng).unwrap();
    let n = Nonce::generate(&rng).unwrap();
    assert_eq!(a.as_str().len(), 22, "16 bytes in unpadded base64url");
    assert_ne!(a, b);
    assert_ne!(a.as_str(), n.as_str());
}

#[test]
fn comparison_is_exact() {
    let s = State::from_string("abcdefghijklmnopqrstuv");
    assert!(s.matches("abcdefghijklmnopqrstuv"));
    assert!(!s.matches("abcdefghijklmnopqrstuw"));
    assert!(!s.matches("abcdefghijklmnopqrstu"));
    assert!(!s.matches(""));
}

#[test]
fn same_seed_same_values() {
    let a = State::generate(&SeededRandom::new(3)).unwrap();
    let b = State::generate(&SeededRandom::new(3)).unwrap();
    assert_eq!(a, b);
}
