//! Emitting the core's audit vocabulary ([`sesame_core::audit`]): the
//! counter through the `metrics` facade; each call site writes its own
//! `tracing` event (with its fields, never a secret) under
//! [`AUDIT_TARGET`](sesame_core::audit::AUDIT_TARGET).

use std::time::Instant;

use sesame_core::audit::{AuditEvent, DURATION_METRIC, EVENTS_METRIC};

/// Counts one audit event.
pub(crate) fn count(event: AuditEvent) {
    metrics::counter!(EVENTS_METRIC, "event" => event.as_str()).increment(1);
}

/// Records how long a route took, with its outcome (`ok` or an error code).
pub(crate) fn duration(route: &'static str, outcome: &'static str, started: Instant) {
    metrics::histogram!(DURATION_METRIC, "route" => route, "outcome" => outcome)
        .record(started.elapsed().as_secs_f64());
}
