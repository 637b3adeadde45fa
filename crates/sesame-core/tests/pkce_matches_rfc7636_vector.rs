use sesame_core::pkce::{challenge_s256, is_valid_verifier, verify_s256, Verifier};
use sesame_core::random::SeededRandom;

#[test]
fn appendix_b_vector() {
    let v = Verifier::from_string("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
    assert_eq!(v.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

#[test]
fn generated_verifiers_have_32_bytes_of_entropy_and_the_unreserved_alphabet() {
    let rng = SeededRandom::new(1);
    let a = Verifier::generate(&rng).unwrap();
    let b = Verifier::generate(&rng).unwrap();
    assert_eq!(a.expose().len(), 43);
    assert!(is_valid_verifier(a.expose()));
    assert_ne!(a.expose(), b.expose());
}

#[test]
fn verifier_length_and_alphabet_are_enforced() {
    assert!(Verifier::from_string("a".repeat(42)).is_err());
    assert!(Verifier::from_string("a".repeat(43)).is_ok());
    assert!(Verifier::from_string("a".repeat(128)).is_ok());
    assert!(Verifier::from_string("a".repeat(129)).is_err());
    assert!(Verifier::from_string(format!("{}+", "a".repeat(43))).is_err());
    assert!(Verifier::from_string(format!("{}~._-", "a".repeat(43))).is_ok());
}

#[test]
fn the_standard_unpadded_challenge_verifies_and_others_do_not() {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    assert!(verify_s256(
        verifier,
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    ));
    assert!(!verify_s256(
        verifier,
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
    ));
    // A `plain` challenge (the verifier itself) never verifies.
    assert!(!verify_s256(verifier, verifier));
    assert!(!verify_s256("short", &challenge_s256("short")));
}
