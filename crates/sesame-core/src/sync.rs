//! The lock helper every cache shares: a poisoned lock (a panic elsewhere
//! while holding it) still yields its data, since every critical section
//! here leaves the data consistent.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, recovering from poisoning.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
