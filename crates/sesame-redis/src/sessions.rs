//! The relying party's [`SessionStore`] on the same Redis (or Redis
//! Cluster): sessions, their revocation markers, refresh locks and
//! successors, and the replay cache of back-channel logout tokens.
//!
//! The core makes every key (hashes, never an id or a token) and seals
//! every value that holds tokens; here each key gets the store's prefix,
//! `P:` + the core's key. Each operation is one command: `MGET` (one
//! `GET` per key on a cluster, where a session's keys may sit in several
//! slots), `SET … PX`, `SET … NX PX` (the atomic first-wins step of the
//! refresh lock and the `jti` check) and `DEL`. Every key has a TTL.

use std::time::{Duration, SystemTime};

use redis::Value;
use sesame_core::session::{SessionStore, SessionStoreError};

use crate::{Conn, Failure, RedisStore};

fn ttl_ms(ttl: Duration) -> u64 {
    (ttl.as_millis() as u64).max(1)
}

impl RedisStore {
    fn session_key(&self, key: &str) -> String {
        format!("{}:{key}", self.keys.prefix())
    }

    async fn session_op<T, F>(&self, op: &'static str, f: F) -> Result<T, SessionStoreError>
    where
        F: std::future::Future<Output = Result<T, Failure>>,
    {
        self.run(op, f)
            .await
            .map_err(|_| SessionStoreError::Unavailable)
    }
}

fn bytes(v: Value) -> Result<Option<Vec<u8>>, Failure> {
    match v {
        Value::Nil => Ok(None),
        Value::BulkString(b) => Ok(Some(b)),
        Value::SimpleString(s) => Ok(Some(s.into_bytes())),
        _ => Err(Failure::Corrupt("session value")),
    }
}

#[async_trait::async_trait]
impl SessionStore for RedisStore {
    async fn get_many(
        &self,
        keys: &[String],
        _now: SystemTime,
    ) -> Result<Vec<Option<Vec<u8>>>, SessionStoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.session_op("session_get", async {
            match self.conn {
                Conn::Single(_) => {
                    let mut cmd = redis::cmd("MGET");
                    for k in keys {
                        cmd.arg(self.session_key(k));
                    }
                    let values: Vec<Value> = self.conn.query(&self.sent, &cmd).await?;
                    values.into_iter().map(bytes).collect()
                }
                Conn::Cluster(_) => {
                    let mut out = Vec::with_capacity(keys.len());
                    for k in keys {
                        let mut cmd = redis::cmd("GET");
                        cmd.arg(self.session_key(k));
                        let v: Value = self.conn.query(&self.sent, &cmd).await?;
                        out.push(bytes(v)?);
                    }
                    Ok(out)
                }
            }
        })
        .await
    }

    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        _now: SystemTime,
    ) -> Result<(), SessionStoreError> {
        self.session_op("session_put", async {
            let mut cmd = redis::cmd("SET");
            cmd.arg(self.session_key(key))
                .arg(value)
                .arg("PX")
                .arg(ttl_ms(ttl));
            let _: Value = self.conn.query(&self.sent, &cmd).await?;
            Ok(())
        })
        .await
    }

    async fn put_new(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        _now: SystemTime,
    ) -> Result<bool, SessionStoreError> {
        self.session_op("session_put_new", async {
            let mut cmd = redis::cmd("SET");
            cmd.arg(self.session_key(key))
                .arg(value)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms(ttl));
            let v: Value = self.conn.query(&self.sent, &cmd).await?;
            Ok(!matches!(v, Value::Nil))
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<(), SessionStoreError> {
        self.session_op("session_delete", async {
            let mut cmd = redis::cmd("DEL");
            cmd.arg(self.session_key(key));
            let _: Value = self.conn.query(&self.sent, &cmd).await?;
            Ok(())
        })
        .await
    }
}
