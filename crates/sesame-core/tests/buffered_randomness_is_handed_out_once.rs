//! `BufferedRandom` hands out the source's bytes in order, each once, and
//! never bytes of a refill that failed.

use std::sync::atomic::{AtomicBool, Ordering};

use sesame_core::random::{BufferedRandom, Random, RandomError, SeededRandom};

#[test]
fn small_requests_share_one_block_in_order() {
    let rng = BufferedRandom::from_source(Box::new(SeededRandom::new(1)));
    let mut expected = vec![0u8; 2048];
    let source = SeededRandom::new(1);
    source.fill(&mut expected[..1024]).unwrap();
    source.fill(&mut expected[1024..]).unwrap();

    let mut got = Vec::new();
    for len in [10usize, 20, 200, 200, 200, 200, 150] {
        let mut buf = vec![0u8; len];
        rng.fill(&mut buf).unwrap();
        got.extend_from_slice(&buf);
    }
    // 980 bytes from the first block; the next 200 do not fit in its last
    // 44, so they start the second block.
    assert_eq!(got[..980], expected[..980]);
    let mut next = [0u8; 200];
    rng.fill(&mut next).unwrap();
    assert_eq!(next[..], expected[1024..1224]);
}

#[test]
fn large_requests_go_to_the_source() {
    let rng = BufferedRandom::from_source(Box::new(SeededRandom::new(2)));
    let mut big = vec![0u8; 300];
    rng.fill(&mut big).unwrap();
    let mut expected = vec![0u8; 300];
    SeededRandom::new(2).fill(&mut expected).unwrap();
    assert_eq!(big, expected);
}

struct Flaky {
    fail: AtomicBool,
    inner: SeededRandom,
}

impl Random for Flaky {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        self.inner.fill(dest)?;
        if self.fail.swap(false, Ordering::SeqCst) {
            return Err(RandomError);
        }
        Ok(())
    }
}

#[test]
fn a_failed_refill_hands_out_nothing_of_it() {
    let rng = BufferedRandom::from_source(Box::new(Flaky {
        fail: AtomicBool::new(true),
        inner: SeededRandom::new(3),
    }));
    let mut a = [0u8; 32];
    assert_eq!(rng.fill(&mut a), Err(RandomError));
    rng.fill(&mut a).unwrap();
    // The failed block was the source's first; what comes is its second.
    let mut expected = vec![0u8; 2048];
    SeededRandom::new(3).fill(&mut expected).unwrap();
    assert_eq!(a[..], expected[1024..1056]);
}

#[test]
fn debug_shows_no_bytes() {
    let rng = BufferedRandom::from_source(Box::new(SeededRandom::new(4)));
    let mut a = [0u8; 8];
    rng.fill(&mut a).unwrap();
    assert_eq!(format!("{rng:?}"), "BufferedRandom { .. }");
}
