//! Time is an input: every function that needs "now" takes a [`SystemTime`].
//! These helpers convert it to and from JWT NumericDate seconds.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use sesame_core::time;
//! let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! assert_eq!(time::unix_seconds(t), 1_700_000_000);
//! assert_eq!(time::from_unix(1_700_000_000), t);
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (0 for times before it).
pub fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The latest NumericDate kept as is: 9999-12-31T23:59:59Z. Later ones
/// (a token claiming `exp: 2^63`) are clamped to it, since `SystemTime`
/// cannot hold them on every platform and adding them would panic.
pub const MAX_UNIX_SECONDS: u64 = 253_402_300_799;

/// The time `secs` seconds after the Unix epoch, clamped to
/// [`MAX_UNIX_SECONDS`] (never a panic, whatever a token says).
///
/// ```
/// use sesame_core::time::{from_unix, unix_seconds, MAX_UNIX_SECONDS};
/// assert_eq!(unix_seconds(from_unix(u64::MAX)), MAX_UNIX_SECONDS);
/// ```
pub fn from_unix(secs: u64) -> SystemTime {
    let secs = secs.min(MAX_UNIX_SECONDS);
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH)
}
