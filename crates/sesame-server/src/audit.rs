//! The authorization server's audit events ([`sesame_core::audit`]): a
//! `tracing` event under the `sesame::audit` target and the
//! `sesame_audit_events_total` counter, naming the client (its id is
//! public) and never a secret, a username or a token.

use sesame_core::audit::{AuditEvent, AUDIT_TARGET, EVENTS_METRIC};

/// Reports `event` for `client_id` (if known).
pub(crate) fn emit(event: AuditEvent, client_id: Option<&str>) {
    metrics::counter!(EVENTS_METRIC, "event" => event.as_str()).increment(1);
    let client_id = client_id.unwrap_or("-");
    match event {
        AuditEvent::RefreshTokenReuse | AuditEvent::CodeReplay | AuditEvent::Throttled => {
            tracing::warn!(target: AUDIT_TARGET, event = %event, client_id, "{event}");
        }
        _ => tracing::info!(target: AUDIT_TARGET, event = %event, client_id, "{event}"),
    }
}
