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

/// The time `secs` seconds after the Unix epoch.
pub fn from_unix(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}
