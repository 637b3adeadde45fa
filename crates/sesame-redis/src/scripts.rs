//! The Lua scripts: every state change is one of them, run by Redis as one
//! atomic step. Each touches only the keys it is given (`KEYS[...]`), and
//! the keys of one call always share a hash slot (see [`crate::keys`]).
//!
//! Times (`ARGV` "now" and the stored `e` field) are unix milliseconds
//! from the authorization server's clock; Redis's own clock only drives
//! the key TTLs.
//!
//! Replies are two-element arrays `{status, value}` (Lua `false` becomes a
//! nil reply), decoded as `(i64, Option<String>)`.

use std::sync::LazyLock;

use redis::Script;

/// Status: no such record, expired, or (refresh) its family is revoked.
pub(crate) const MISSING: i64 = 0;
/// Status: first use; the value is the grant's JSON.
pub(crate) const FRESH: i64 = 1;
/// Status: already used (a code replay, a refresh token reuse).
pub(crate) const USED: i64 = 2;

/// Saves a code: `KEYS[1]` the code's hash record; `ARGV` the grant's
/// JSON, its family, its expiry (ms) and, for a code kept in its family's
/// slot, the head of its first refresh record's JSON (see
/// [`REDEEM_CODE`]). The record expires with the code.
pub(crate) static SAVE_CODE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'g', ARGV[1], 'f', ARGV[2], 'e', ARGV[3], 'u', '0')
if ARGV[4] then redis.call('HSET', KEYS[1], 'r', ARGV[4]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
",
    )
});

/// The checks and the marking of [`TAKE_CODE`], which [`REDEEM_CODE`]
/// shares: `r` is left holding the record's fields.
///
/// A used code keeps its record (family, expiry, `u = 1`) until it would
/// have expired, so a replay is told apart from an unknown code; the
/// grant itself (and the refresh record's head) is dropped at first use —
/// nothing needs it any more.
macro_rules! take_code_checks {
    () => {
        r"
local r = redis.call('HMGET', KEYS[1], 'u', 'f', 'e', 'g', 'r')
if not r[1] then return {0, false} end
if r[1] == '1' then return {2, r[2]} end
if tonumber(r[3]) <= tonumber(ARGV[1]) or not r[4] then return {0, false} end
redis.call('HSET', KEYS[1], 'u', '1')
redis.call('HDEL', KEYS[1], 'g', 'r')
"
    };
}

/// Consumes a code: `KEYS[1]` its record; `ARGV[1]` now (ms).
pub(crate) static TAKE_CODE: LazyLock<Script> =
    LazyLock::new(|| Script::new(concat!(take_code_checks!(), "return {1, r[4]}\n")));

/// Status of [`REDEEM_CODE`]: first use, but the code had no refresh
/// record's head (it was saved elsewhere than its family's slot), so no
/// refresh record was written; the value is the grant's JSON.
pub(crate) const FRESH_UNSAVED: i64 = 3;

/// Redeems a code in one step: [`TAKE_CODE`] on `KEYS[1]` and, when the
/// code was fresh, its family's first refresh record `KEYS[2]` (the same
/// hash tag) written from the head [`SAVE_CODE`] kept and the tail
/// `ARGV[3]` (its expiry and DPoP key, closing the JSON object), expiring
/// at `ARGV[2]` (ms); `ARGV[1]` now (ms). The reply is [`TAKE_CODE`]'s, or
/// [`FRESH_UNSAVED`].
pub(crate) static REDEEM_CODE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(concat!(
        take_code_checks!(),
        r"if not r[5] then return {3, r[4]} end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'g', r[5] .. ARGV[3], 'e', ARGV[2], 'u', '0')
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
return {1, r[4]}
"
    ))
});

/// Saves a refresh record in its family's slot: `KEYS[1]` the record;
/// `ARGV` the grant's JSON and its expiry (ms).
pub(crate) static SAVE_REFRESH_RECORD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'g', ARGV[1], 'e', ARGV[2], 'u', '0')
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
",
    )
});

/// Writes the immutable pointer token hash → family: `KEYS[1]` the
/// pointer; `ARGV` the family and the expiry (ms).
pub(crate) static SAVE_POINTER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
",
    )
});

/// [`SAVE_POINTER`] and [`SAVE_REFRESH_RECORD`] in one step, for a single
/// Redis (where the two keys need not share a slot): `KEYS[1]` the
/// pointer, `KEYS[2]` the record; `ARGV` the family, the grant's JSON and
/// the expiry (ms).
pub(crate) static SAVE_REFRESH_BOTH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'g', ARGV[2], 'e', ARGV[3], 'u', '0')
redis.call('PEXPIREAT', KEYS[2], ARGV[3])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
",
    )
});

/// The checks and the marking of [`TAKE_REFRESH`], which
/// [`ROTATE_REFRESH`] shares: `r` is left holding the record's fields.
macro_rules! take_refresh_checks {
    () => {
        r"
local r = redis.call('HMGET', KEYS[1], 'u', 'e', 'g')
if not r[1] then return {0, false, false} end
local now = tonumber(ARGV[1])
local rev = redis.call('GET', KEYS[2])
if rev and tonumber(rev) > now then return {0, false, false} end
if tonumber(r[2]) <= now then return {0, false, false} end
if r[1] == '1' then return {2, false, false} end
if not r[3] then return {0, false, false} end
redis.call('HSET', KEYS[1], 'u', '1')
redis.call('HDEL', KEYS[1], 'g')
"
    };
}

/// Consumes a refresh token: `KEYS[1]` its record, `KEYS[2]` its family's
/// revocation marker (same slot); `ARGV[1]` now (ms). Revoked or expired:
/// missing; used: reused; else the grant and the record's expiry (ms),
/// and the record is marked used (kept until its expiry so that a reuse
/// is detected).
pub(crate) static TAKE_REFRESH: LazyLock<Script> =
    LazyLock::new(|| Script::new(concat!(take_refresh_checks!(), "return {1, r[3], r[2]}\n")));

/// Rotates a refresh token in one step: [`TAKE_REFRESH`] on `KEYS[1]`
/// (its record) and `KEYS[2]` (the revocation marker) and, when the token
/// was current, its grant saved as the successor's record `KEYS[3]`,
/// expiring at `ARGV[2]` (ms); `ARGV[1]` now (ms). The three keys share
/// the family's hash tag. The reply is the taken token's, as
/// [`TAKE_REFRESH`] gives it.
pub(crate) static ROTATE_REFRESH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(concat!(
        take_refresh_checks!(),
        r"redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'g', r[3], 'e', ARGV[2], 'u', '0')
redis.call('PEXPIREAT', KEYS[3], ARGV[2])
return {1, r[3], r[2]}
"
    ))
});

/// Reads a refresh record without consuming it (no writes): `KEYS[1]` the
/// record, `KEYS[2]` the revocation marker; `ARGV[1]` now (ms). The grant
/// and the record's expiry (ms) if live, unused and its family not
/// revoked.
pub(crate) static FIND_REFRESH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local r = redis.call('HMGET', KEYS[1], 'u', 'e', 'g')
if not r[1] or r[1] ~= '0' or not r[3] then return {0, false, false} end
if tonumber(r[2]) <= tonumber(ARGV[1]) then return {0, false, false} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {0, false, false} end
return {1, r[3], r[2]}
",
    )
});

/// Revokes a family: `KEYS[1]` its marker; `ARGV[1]` until (ms). The
/// marker holds the latest `until` asked for and expires then — a
/// revocation is never shortened.
pub(crate) static REVOKE_FAMILY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
",
    )
});

/// Counts one failure: `KEYS[1]` the counter (a hash: `c` count, `l`
/// latest failure ms, `e` end of its window ms); `ARGV[1]` now (ms),
/// `ARGV[2]` the end of a window starting now (ms). Answers the counter
/// as it was before, `{count, latest}`. A missing or ended counter starts
/// a new window, and only then is the TTL set (`PEXPIREAT` its end): later
/// failures do not extend it. `l` never moves back (another server's
/// clock may be behind).
pub(crate) static RECORD_FAILURE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local r = redis.call('HMGET', KEYS[1], 'c', 'l', 'e')
local now = tonumber(ARGV[1])
if r[1] and r[3] and tonumber(r[3]) > now then
  local latest = tonumber(r[2])
  if not latest or now > latest then redis.call('HSET', KEYS[1], 'l', ARGV[1]) end
  redis.call('HINCRBY', KEYS[1], 'c', 1)
  return {tonumber(r[1]), r[2] or false}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'c', '1', 'l', ARGV[1], 'e', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return {0, false}
",
    )
});

/// Reads a counter (no writes): `KEYS[1]` the counter; `ARGV[1]` now
/// (ms). `{count, latest}`, or `{0, nil}` if missing or its window ended.
pub(crate) static FAILURES: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local r = redis.call('HMGET', KEYS[1], 'c', 'l', 'e')
if not r[1] or not r[3] or tonumber(r[3]) <= tonumber(ARGV[1]) then return {0, false} end
return {tonumber(r[1]), r[2] or false}
",
    )
});

/// Takes back one failure: `KEYS[1]` the counter; `ARGV[1]` now (ms).
/// Never below zero; a missing or ended counter is left alone; the TTL
/// and `l` are not touched.
pub(crate) static FORGIVE_FAILURE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local r = redis.call('HMGET', KEYS[1], 'c', 'e')
if not r[1] or not r[2] or tonumber(r[2]) <= tonumber(ARGV[1]) then return 0 end
if tonumber(r[1]) > 0 then redis.call('HINCRBY', KEYS[1], 'c', -1) end
return 1
",
    )
});

/// First wins: `KEYS[1]` the mark; `ARGV[1]` until (ms), `ARGV[2]` now
/// (ms). 0 if a live mark is there (nothing changes); else the mark is
/// written, expiring at `until`, and 1. An `until` already past writes
/// nothing (there is nothing left to guard).
pub(crate) static PUT_NEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cur) > tonumber(ARGV[2]) then return 0 end
if tonumber(ARGV[1]) <= tonumber(ARGV[2]) then return 1 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
",
    )
});

/// Every script, for loading them up front.
pub(crate) fn all() -> [&'static Script; 14] {
    [
        &SAVE_CODE,
        &TAKE_CODE,
        &REDEEM_CODE,
        &SAVE_REFRESH_RECORD,
        &SAVE_POINTER,
        &SAVE_REFRESH_BOTH,
        &TAKE_REFRESH,
        &ROTATE_REFRESH,
        &FIND_REFRESH,
        &REVOKE_FAMILY,
        &RECORD_FAILURE,
        &FAILURES,
        &FORGIVE_FAILURE,
        &PUT_NEW,
    ]
}
