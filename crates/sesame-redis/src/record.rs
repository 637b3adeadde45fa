//! The stored form of grants: private mirrors of [`CodeGrant`] and
//! [`RefreshGrant`] (so that the server's types need no serde), times as
//! unix milliseconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sesame_server::{CodeGrant, RefreshGrant};

/// `t` as unix milliseconds (0 before the epoch: already expired).
pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub(crate) fn from_unix_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredCode {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    scopes: Vec<String>,
    subject: String,
    claims: Map<String, Value>,
    nonce: Option<String>,
    expires_at_ms: u64,
    family: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dpop_jkt: Option<String>,
}

impl From<&CodeGrant> for StoredCode {
    fn from(g: &CodeGrant) -> Self {
        Self {
            client_id: g.client_id.clone(),
            redirect_uri: g.redirect_uri.clone(),
            code_challenge: g.code_challenge.clone(),
            scopes: g.scopes.clone(),
            subject: g.subject.clone(),
            claims: g.claims.clone(),
            nonce: g.nonce.clone(),
            expires_at_ms: unix_ms(g.expires_at),
            family: g.family.clone(),
            dpop_jkt: g.dpop_jkt.clone(),
        }
    }
}

impl From<StoredCode> for CodeGrant {
    fn from(s: StoredCode) -> Self {
        CodeGrant {
            client_id: s.client_id,
            redirect_uri: s.redirect_uri,
            code_challenge: s.code_challenge,
            scopes: s.scopes,
            subject: s.subject,
            claims: s.claims,
            nonce: s.nonce,
            expires_at: from_unix_ms(s.expires_at_ms),
            family: s.family,
            dpop_jkt: s.dpop_jkt,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredRefresh {
    family: String,
    client_id: String,
    subject: String,
    scopes: Vec<String>,
    claims: Map<String, Value>,
    expires_at_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dpop_jkt: Option<String>,
}

impl From<&RefreshGrant> for StoredRefresh {
    fn from(g: &RefreshGrant) -> Self {
        Self {
            family: g.family.clone(),
            client_id: g.client_id.clone(),
            subject: g.subject.clone(),
            scopes: g.scopes.clone(),
            claims: g.claims.clone(),
            expires_at_ms: unix_ms(g.expires_at),
            dpop_jkt: g.dpop_jkt.clone(),
        }
    }
}

impl From<StoredRefresh> for RefreshGrant {
    fn from(s: StoredRefresh) -> Self {
        RefreshGrant {
            family: s.family,
            client_id: s.client_id,
            subject: s.subject,
            scopes: s.scopes,
            claims: s.claims,
            expires_at: from_unix_ms(s.expires_at_ms),
            dpop_jkt: s.dpop_jkt,
        }
    }
}
