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

/// The part of a family's first refresh record that its code's grant
/// decides, as [`StoredRefresh`]'s JSON without its closing brace (what
/// the code's record keeps, `r`); [`first_refresh_tail`] completes it.
#[derive(Serialize)]
struct FirstRefreshHead<'a> {
    family: &'a str,
    client_id: &'a str,
    subject: &'a str,
    scopes: &'a [String],
    claims: &'a Map<String, Value>,
}

/// The head of the first refresh record of `grant`'s family (see
/// [`FirstRefreshHead`]).
pub(crate) fn first_refresh_head(grant: &CodeGrant) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string(&FirstRefreshHead {
        family: &grant.family,
        client_id: &grant.client_id,
        subject: &grant.subject,
        scopes: &grant.scopes,
        claims: &grant.claims,
    })?;
    // A struct with fields serializes as `{…}`: drop the brace.
    json.pop();
    Ok(json)
}

/// The rest of a first refresh record's JSON: its expiry and DPoP key,
/// and the closing brace.
pub(crate) fn first_refresh_tail(
    expires_at: SystemTime,
    dpop_jkt: Option<&str>,
) -> Result<String, serde_json::Error> {
    let mut tail = format!(",\"expires_at_ms\":{}", unix_ms(expires_at));
    if let Some(jkt) = dpop_jkt {
        tail.push_str(",\"dpop_jkt\":");
        tail.push_str(&serde_json::to_string(jkt)?);
    }
    tail.push('}');
    Ok(tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sesame_server::FirstRefresh;

    fn code_grant(jkt: Option<&str>) -> CodeGrant {
        let Value::Object(claims) =
            json!({"email": "a@example.com", "n": 12345678901234567890u64, "q": "\"}"})
        else {
            unreachable!()
        };
        CodeGrant {
            client_id: "client \"1\"".into(),
            redirect_uri: "https://app.example/cb".into(),
            code_challenge: "challenge".into(),
            scopes: vec!["openid".into(), "offline_access".into()],
            subject: "alice".into(),
            claims,
            nonce: Some("n-1".into()),
            expires_at: from_unix_ms(1_000_000),
            family: "fam".into(),
            dpop_jkt: jkt.map(Into::into),
        }
    }

    #[test]
    fn head_and_tail_read_back_as_the_first_refresh_record() {
        for (code_jkt, refresh_jkt) in [(None, None), (Some("k1"), None), (None, Some("k\"2"))] {
            let grant = code_grant(code_jkt);
            let first = FirstRefresh {
                key: "fam.hash".into(),
                expires_at: from_unix_ms(5_000_123),
                dpop_jkt: refresh_jkt.map(Into::into),
            };
            let json = first_refresh_head(&grant).unwrap()
                + &first_refresh_tail(first.expires_at, first.dpop_jkt.as_deref()).unwrap();
            let read: StoredRefresh = serde_json::from_str(&json).unwrap();
            assert_eq!(RefreshGrant::from(read), first.grant(&grant), "{json}");
            // Exactly what saving that record on its own would write.
            let alone: Value =
                serde_json::to_value(StoredRefresh::from(&first.grant(&grant))).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), alone);
        }
    }
}
