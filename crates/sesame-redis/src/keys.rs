//! Key names. With the prefix `P` (no braces, checked when connecting):
//!
//! | key | type | holds |
//! | --- | --- | --- |
//! | `P:{<family>}:code:<code_hash>` | hash | `g` grant JSON and `r` the head of the family's first refresh record (both dropped at first use), `f` family, `e` expiry ms, `u` used |
//! | `P:code:<code_hash>` | hash | the same for a code whose key does not name its family (issued before codes did), without `r` |
//! | `P:rtp:<token_hash>` | string | the token's family (the immutable pointer) |
//! | `P:{<family>}:rt:<token_hash>` | hash | `g` grant JSON (dropped at first use), `e` expiry ms, `u` used |
//! | `P:{<family>}:revoked` | string | the revocation's end, unix ms |
//! | `P:fail:<counter>` | hash | a failure counter: `c` count, `l` latest failure ms, `e` end of its window ms |
//! | `P:once:<mark>` | string | a first-wins mark (a used login form): until when, unix ms |
//!
//! `<counter>` and `<mark>` are the server's own keys: a scope and a hash
//! (`login-user:<hash>`, `login-addr:<hash>`, `client:<hash>`,
//! `client-addr:<hash>`, `login-form:<hash>`), never a username, an
//! address or a client id. Each is one key touched by one script, so any
//! slot will do.
//!
//! The braces are a Redis Cluster hash tag: a family's records and its
//! revocation marker live in one slot, so one script can check and change
//! them together. The tag is the family itself when it is made of
//! `[A-Za-z0-9_.-]` (what the server generates, base64url), otherwise `~`
//! and its UTF-8 bytes in hex — never empty and never containing a brace,
//! so the tag is exactly the family's and two families never share keys.

use sesame_server::family_of_refresh_key;

/// Whether `prefix` can start every key: non-empty, no hash-tag braces
/// (a brace would change which slot the keys hash to).
pub(crate) fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty() && !prefix.contains(['{', '}'])
}

fn family_tag(family: &str) -> String {
    let plain = !family.is_empty()
        && family
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if plain {
        family.to_owned()
    } else {
        let mut s = String::with_capacity(1 + 2 * family.len());
        s.push('~');
        for b in family.bytes() {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }
}

/// The key names of one store (one prefix).
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A code's record: in its family's slot when its key names the
    /// family (see [`family_of_refresh_key`]), so that redeeming it can
    /// save the family's first refresh record in the same script.
    pub(crate) fn code(&self, code_hash: &str) -> String {
        match family_of_refresh_key(code_hash) {
            Some(family) => format!(
                "{}:{{{}}}:code:{code_hash}",
                self.prefix,
                family_tag(family)
            ),
            None => format!("{}:code:{code_hash}", self.prefix),
        }
    }

    /// A refresh token's pointer to its family.
    pub(crate) fn pointer(&self, token_hash: &str) -> String {
        format!("{}:rtp:{token_hash}", self.prefix)
    }

    /// A refresh token's record, in its family's slot.
    pub(crate) fn refresh(&self, family: &str, token_hash: &str) -> String {
        format!("{}:{{{}}}:rt:{token_hash}", self.prefix, family_tag(family))
    }

    /// A family's revocation marker, in the family's slot.
    pub(crate) fn revoked(&self, family: &str) -> String {
        format!("{}:{{{}}}:revoked", self.prefix, family_tag(family))
    }

    /// A failure counter.
    pub(crate) fn failures(&self, counter: &str) -> String {
        format!("{}:fail:{counter}", self.prefix)
    }

    /// A first-wins mark.
    pub(crate) fn once(&self, mark: &str) -> String {
        format!("{}:once:{mark}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hash tag as Redis Cluster computes it.
    fn tag(key: &str) -> &str {
        if let Some(open) = key.find('{') {
            if let Some(len) = key[open + 1..].find('}') {
                if len > 0 {
                    return &key[open + 1..open + 1 + len];
                }
            }
        }
        key
    }

    #[test]
    fn a_familys_keys_share_their_hash_tag() {
        let k = Keys::new("sesame");
        for family in ["fam_-1.x", "", "a}b", "{x}", "été", ":revoked"] {
            let r = k.refresh(family, "h1");
            let m = k.revoked(family);
            assert_eq!(tag(&r), tag(&m), "{family}");
            assert!(!tag(&r).is_empty());
        }
        assert_eq!(tag(&k.refresh("abc", "h")), "abc");
        assert_eq!(k.refresh("a}b", "h"), "sesame:{~617d62}:rt:h");
        // A code naming its family shares the slot of the family's tokens.
        assert_eq!(
            tag(&k.code("fam_1.hash")),
            tag(&k.refresh("fam_1", "fam_1.h2"))
        );
        assert_eq!(k.code("hash"), "sesame:code:hash");
    }

    #[test]
    fn distinct_families_get_distinct_tags() {
        assert_ne!(family_tag("~61"), family_tag("a"));
        assert_ne!(family_tag(""), family_tag("~"));
    }

    #[test]
    fn prefixes_with_braces_are_refused() {
        assert!(valid_prefix("sesame:prod"));
        assert!(!valid_prefix(""));
        assert!(!valid_prefix("{sesame}"));
        assert!(!valid_prefix("a}"));
    }
}
