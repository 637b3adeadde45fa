//! Server-provided nonces (RFC 9449 §8, §9) without server state: a nonce
//! is an HMAC of the current time window, so every instance holding the
//! same secret issues and accepts the same nonces.

use std::fmt;
use std::time::{Duration, SystemTime};

/// The shortest secret accepted, in bytes.
const MIN_SECRET_LEN: usize = 32;
/// How many bytes of the HMAC a nonce keeps (128 bits: 22 characters).
const NONCE_BYTES: usize = 16;

/// Why a [`NonceSource`] could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NonceError {
    /// The secret is shorter than 32 bytes.
    #[error("nonce secret shorter than 32 bytes")]
    SecretTooShort,
    /// The period is shorter than one second.
    #[error("nonce period shorter than one second")]
    PeriodTooShort,
}

/// Issues and accepts DPoP nonces: the nonce of a time window is the
/// truncated HMAC-SHA256 of the window's number under a shared secret. A
/// nonce is accepted during its own window and the next one, so it lives
/// between one and two periods. `Debug` does not show the secret.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use sesame_core::dpop::NonceSource;
/// let nonces = NonceSource::new(&[7; 32], NonceSource::DEFAULT_PERIOD).unwrap();
/// let now = SystemTime::now();
/// let nonce = nonces.current(now); // → the `DPoP-Nonce` header
/// assert!(nonces.accepts(&nonce, now + Duration::from_secs(60)));
/// assert!(!nonces.accepts(&nonce, now + Duration::from_secs(600)));
/// ```
#[derive(Clone)]
pub struct NonceSource {
    key: crate::crypto::hmac::Key,
    period: u64,
}

impl fmt::Debug for NonceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonceSource")
            .field("period", &Duration::from_secs(self.period))
            .finish_non_exhaustive()
    }
}

impl NonceSource {
    /// The usual period: five minutes.
    pub const DEFAULT_PERIOD: Duration = Duration::from_secs(300);

    /// A source keyed by `secret` (at least 32 bytes, the same on every
    /// instance) whose nonce changes every `period` (whole seconds; see
    /// [`NonceSource::DEFAULT_PERIOD`]).
    pub fn new(secret: &[u8], period: Duration) -> Result<Self, NonceError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(NonceError::SecretTooShort);
        }
        if period.as_secs() == 0 {
            return Err(NonceError::PeriodTooShort);
        }
        Ok(Self {
            key: crate::crypto::hmac_sha256_key(secret),
            period: period.as_secs(),
        })
    }

    /// The period after which the nonce changes.
    pub fn period(&self) -> Duration {
        Duration::from_secs(self.period)
    }

    /// The nonce to hand out now, in a `DPoP-Nonce` header: 22 base64url
    /// characters.
    pub fn current(&self, now: SystemTime) -> String {
        self.nonce_of(self.window(now))
    }

    /// Whether `nonce` is the current window's or the previous one's. The
    /// comparisons take constant time.
    pub fn accepts(&self, nonce: &str, now: SystemTime) -> bool {
        let window = self.window(now);
        let current = crate::constant_time::eq(nonce.as_bytes(), self.nonce_of(window).as_bytes());
        let previous = window.checked_sub(1).is_some_and(|w| {
            crate::constant_time::eq(nonce.as_bytes(), self.nonce_of(w).as_bytes())
        });
        current | previous
    }

    fn window(&self, now: SystemTime) -> u64 {
        crate::time::unix_seconds(now) / self.period
    }

    fn nonce_of(&self, window: u64) -> String {
        let mut message = b"sesame dpop nonce v1.".to_vec();
        message.extend_from_slice(&window.to_be_bytes());
        let tag = crate::crypto::hmac::sign(&self.key, &message);
        let bytes = tag.as_ref();
        crate::base64url::encode(bytes.get(..NONCE_BYTES).unwrap_or(bytes))
    }
}
