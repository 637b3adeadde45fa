//! Randomness as an explicit input.
//!
//! Sesame never reaches for a global random number generator on its own:
//! every function that needs fresh randomness (PKCE verifiers, `state`,
//! nonces, sealing nonces, authorization codes) takes a [`Random`]. Production
//! code passes [`ring::rand::SystemRandom`]; tests pass a deterministic
//! generator so that every run produces the same bytes.

use ring::rand::SecureRandom;

/// The generator failed to produce bytes (the operating system refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("random number generator failed")]
pub struct RandomError;

/// A source of cryptographically secure random bytes.
///
/// Implemented for [`ring::rand::SystemRandom`]. Implement it yourself to
/// plug in a hardware generator, or a seeded one in tests.
///
/// ```
/// use sesame_core::random::Random;
/// let rng = ring::rand::SystemRandom::new();
/// let mut buf = [0u8; 16];
/// rng.fill(&mut buf).unwrap();
/// ```
pub trait Random: Send + Sync {
    /// Fills `dest` entirely with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError>;
}

impl Random for ring::rand::SystemRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        SecureRandom::fill(self, dest).map_err(|_| RandomError)
    }
}

impl<R: Random + ?Sized> Random for &R {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        (**self).fill(dest)
    }
}

impl<R: Random + ?Sized> Random for std::sync::Arc<R> {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        (**self).fill(dest)
    }
}

/// How many bytes [`BufferedRandom`] draws from the system at a time.
const POOL: usize = 1024;

/// The system's randomness drawn a block at a time: one `getrandom(2)`
/// call serves many small requests (a login takes about a hundred bytes:
/// its state, PKCE verifier and sealing nonce) instead of one call each.
///
/// The bytes are the operating system's CSPRNG output, unchanged; each
/// is handed out once and overwritten with zeros when it is. Requests
/// larger than a quarter of the block go to the system directly.
///
/// A process that forks (without `exec`) must not use a `BufferedRandom`
/// created before the fork in both processes: they would share the
/// unused rest of the block. Servers on an async runtime don't fork.
///
/// ```
/// use sesame_core::random::{BufferedRandom, Random};
/// let rng = BufferedRandom::new();
/// let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
/// rng.fill(&mut a).unwrap();
/// rng.fill(&mut b).unwrap();
/// assert_ne!(a, b);
/// ```
pub struct BufferedRandom {
    source: Box<dyn Random>,
    pool: std::sync::Mutex<Pool>,
}

struct Pool {
    bytes: [u8; POOL],
    /// Bytes already handed out from the front of `bytes`.
    used: usize,
}

impl BufferedRandom {
    /// Draws from [`ring::rand::SystemRandom`].
    pub fn new() -> Self {
        Self::from_source(Box::new(ring::rand::SystemRandom::new()))
    }

    /// Draws from `source` (tests: a [`SeededRandom`]).
    pub fn from_source(source: Box<dyn Random>) -> Self {
        Self {
            source,
            pool: std::sync::Mutex::new(Pool {
                bytes: [0; POOL],
                used: POOL,
            }),
        }
    }
}

impl Default for BufferedRandom {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for BufferedRandom {
    /// The bytes not yet handed out are future secrets: overwritten.
    fn drop(&mut self) {
        let pool = self
            .pool
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pool.bytes.fill(0);
        pool.used = POOL;
    }
}

impl std::fmt::Debug for BufferedRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferedRandom").finish_non_exhaustive()
    }
}

impl Random for BufferedRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        if dest.len() > POOL / 4 {
            return self.source.fill(dest);
        }
        let mut pool = self
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if POOL - pool.used < dest.len() {
            // Nothing of a failed refill is ever handed out.
            pool.used = POOL;
            self.source.fill(&mut pool.bytes)?;
            pool.used = 0;
        }
        let start = pool.used;
        let taken = pool
            .bytes
            .get_mut(start..start + dest.len())
            .ok_or(RandomError)?;
        dest.copy_from_slice(taken);
        taken.fill(0);
        pool.used = start + dest.len();
        Ok(())
    }
}

/// A deterministic generator for tests and reproducible examples.
///
/// It expands a seed with SHA-256 in counter mode. It is **not** a secure
/// source: never use it outside tests.
#[derive(Debug)]
pub struct SeededRandom {
    seed: [u8; 32],
    counter: std::sync::atomic::AtomicU64,
}

impl SeededRandom {
    /// A generator whose output is fully determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut s = [0u8; 32];
        s[..8].copy_from_slice(&seed.to_be_bytes());
        Self {
            seed: s,
            counter: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl Random for SeededRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        for chunk in dest.chunks_mut(32) {
            let n = self
                .counter
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut ctx = crate::crypto::sha256_context();
            ctx.update(&self.seed);
            ctx.update(&n.to_be_bytes());
            let block = ctx.finish();
            let len = chunk.len();
            chunk.copy_from_slice(block.as_ref().get(..len).ok_or(RandomError)?);
        }
        Ok(())
    }
}

/// `n` random bytes encoded as unpadded base64url: codes, tokens, CSRF
/// values, ids.
///
/// ```
/// use sesame_core::random::{random_b64, SeededRandom};
/// let token = random_b64(&SeededRandom::new(1), 32).unwrap();
/// assert_eq!(token.len(), 43);
/// ```
pub fn random_b64(rng: &dyn Random, n: usize) -> Result<String, RandomError> {
    let mut buf = vec![0u8; n];
    rng.fill(&mut buf)?;
    Ok(crate::base64url::encode(&buf))
}

/// A small deterministic generator (xorshift64) for tests that generate
/// or corrupt inputs.
#[cfg(test)]
pub(crate) fn test_sequence(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}
