//! Sealed values: `Sealer::open` / `open_json` and `PendingLogin::open`
//! on any text (a cookie the browser sends back), and the round trip of
//! any payload.
//!
//! Mode 0: the input is a sealed value (any text), opened by a sealer with
//! two keys (rotation).
//! Mode 1: the input is a payload, sealed then opened (must round-trip, and
//! must not open for another purpose, nor once one byte is flipped).
//! Mode 2: the input is JSON sealed as a pending login, then opened as one
//! (the login cookie's deserialisation).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_core::client::{PendingLogin, LOGIN_SEAL_PURPOSE};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_fuzz::{mode, now, rng, sealer, text};

fuzz_target!(|data: &[u8]| {
    let Some((m, rest)) = mode(data, 3) else {
        return;
    };
    let now = now();
    match m {
        0 => {
            let sealed = text(rest);
            let ring = Sealer::with_keys(
                SealingKey::from_bytes([42; 32]),
                [SealingKey::from_bytes([1; 32])],
            );
            let _ = ring.open("fuzz", &sealed, now);
            let _ = ring.open_json::<serde_json::Value>("fuzz", &sealed, now);
            let _ = PendingLogin::open(&ring, Some(&sealed), now);
        }
        1 => {
            let s = sealer();
            let Ok(sealed) = s.seal("fuzz", rest, now, &rng()) else {
                return;
            };
            assert_eq!(s.open("fuzz", &sealed, now).ok().as_deref(), Some(rest));
            assert!(s.open("other", &sealed, now).is_err());
            let mut bytes = sealed.into_bytes();
            if let Some(b) = bytes.get_mut(rest.len() % 40 + 1) {
                *b = if *b == b'A' { b'B' } else { b'A' };
            }
            let tampered = String::from_utf8(bytes).unwrap_or_default();
            assert!(
                s.open("fuzz", &tampered, now).is_err(),
                "tampered value opened"
            );
        }
        _ => {
            let s = sealer();
            let Ok(sealed) = s.seal(LOGIN_SEAL_PURPOSE, rest, now, &rng()) else {
                return;
            };
            if let Ok(p) = PendingLogin::open(&s, Some(&sealed), now) {
                let _ = (p.provider(), p.state(), p.return_to());
            }
        }
    }
});
