//! Sealed values: authenticated encryption into a cookie-sized string.
//!
//! A pending login (state, nonce, PKCE verifier, return-to path, …) is
//! sealed with AES-256-GCM and handed to the user's own browser as a cookie.
//! Nothing is kept on the server, so concurrent logins cannot interfere and
//! need no lock: each login's secrets travel with the browser that started it.
//!
//! # Format
//!
//! `base64url(version ‖ key id ‖ nonce ‖ AES-256-GCM(created-at ‖ payload))`
//! where the version is one byte, the key id is four bytes derived from the
//! key, the nonce is 12 random bytes, and the additional authenticated data
//! binds the version, key id and a *purpose* label, so that a value sealed
//! for one purpose cannot be opened as another.
//!
//! # Rotation
//!
//! A [`Sealer`] holds one or more keys: the first seals, all of them open.
//! To rotate, put the new key first and keep the old one until every value
//! it sealed has expired ([`Sealer::max_age`], ten minutes by default).
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use sesame_core::seal::{Sealer, SealingKey};
//! use sesame_core::random::SeededRandom;
//!
//! let rng = SeededRandom::new(1);
//! let sealer = Sealer::new(SealingKey::from_bytes([7; 32]));
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let sealed = sealer.seal("demo", b"hello", now, &rng).unwrap();
//! assert_eq!(sealer.open("demo", &sealed, now).unwrap(), b"hello");
//! assert!(sealer.open("other-purpose", &sealed, now).is_err());
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::crypto::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

use crate::random::Random;

const VERSION: u8 = 1;
const KEY_ID_LEN: usize = 4;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;
const TAG_LEN: usize = 16;
/// Sealed values larger than this are refused on open, before any work.
const MAX_SEALED_LEN: usize = 8 * 1024;

/// Why a sealed value could not be produced or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The value is not in the sealed format (truncated, bad encoding, too large).
    #[error("sealed value is malformed")]
    Malformed,
    /// No configured key has the value's key id (it was sealed with a key
    /// that has since been removed, or by someone else).
    #[error("sealed value was made with an unknown key")]
    UnknownKey,
    /// Authentication failed: the value was altered, or sealed for another purpose.
    #[error("sealed value failed authentication")]
    Tampered,
    /// The value is older than the sealer's maximum age.
    #[error("sealed value has expired")]
    Expired,
    /// The value claims to be created in the future.
    #[error("sealed value is from the future")]
    FromTheFuture,
    /// The random number generator failed while sealing.
    #[error("random number generator failed")]
    Random,
}

/// A 256-bit AES-GCM key used to seal values.
pub struct SealingKey {
    id: [u8; KEY_ID_LEN],
    key: LessSafeKey,
}

impl SealingKey {
    /// A key from 32 secret bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let digest = crate::crypto::sha256(&[b"sesame-seal-key-id:".as_slice(), &bytes].concat());
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(
            digest
                .as_ref()
                .get(..KEY_ID_LEN)
                .unwrap_or(&[0; KEY_ID_LEN]),
        );
        // AES_256_GCM takes exactly 32 bytes, which the type guarantees.
        let unbound = match UnboundKey::new(&AES_256_GCM, &bytes) {
            Ok(k) => k,
            Err(_) => unreachable!("aes-256-gcm accepts every 32-byte key"),
        };
        Self {
            id,
            key: LessSafeKey::new(unbound),
        }
    }

    /// A key from its unpadded base64url form (as produced by [`SealingKey::generate`]).
    pub fn from_base64(text: &str) -> Result<Self, InvalidSealingKey> {
        let bytes = crate::base64url::decode(text.trim()).ok_or(InvalidSealingKey)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| InvalidSealingKey)?;
        Ok(Self::from_bytes(arr))
    }

    /// A fresh random key and its base64url form (store the latter in your secrets).
    pub fn generate(rng: &dyn Random) -> Result<(Self, crate::Secret), SealError> {
        let mut bytes = [0u8; 32];
        rng.fill(&mut bytes).map_err(|_| SealError::Random)?;
        Ok((
            Self::from_bytes(bytes),
            crate::Secret::new(crate::base64url::encode(bytes)),
        ))
    }
}

/// A sealing key string is not 32 bytes of unpadded base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sealing key must be 32 bytes of unpadded base64url")]
pub struct InvalidSealingKey;

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SealingKey(id={}, [redacted])",
            crate::base64url::encode(self.id)
        )
    }
}

/// Seals and opens values with a ring of keys and a maximum age.
#[derive(Debug)]
pub struct Sealer {
    keys: Vec<SealingKey>,
    max_age: Duration,
}

/// Default maximum age of a sealed value: ten minutes.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(600);

/// Tolerated clock difference for values created "in the future".
const FUTURE_SKEW: u64 = 60;

impl Sealer {
    /// A sealer with one key and the default maximum age.
    pub fn new(key: SealingKey) -> Self {
        Self {
            keys: vec![key],
            max_age: DEFAULT_MAX_AGE,
        }
    }

    /// A sealer with several keys: `current` seals, all of them open.
    pub fn with_keys(current: SealingKey, previous: impl IntoIterator<Item = SealingKey>) -> Self {
        let mut keys = vec![current];
        keys.extend(previous);
        Self {
            keys,
            max_age: DEFAULT_MAX_AGE,
        }
    }

    /// Sets the maximum age after which sealed values no longer open.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The configured maximum age.
    pub fn get_max_age(&self) -> Duration {
        self.max_age
    }

    /// Seals `payload` for `purpose`, stamped with `now`.
    pub fn seal(
        &self,
        purpose: &str,
        payload: &[u8],
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<String, SealError> {
        let key = self.keys.first().ok_or(SealError::UnknownKey)?;
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce).map_err(|_| SealError::Random)?;

        let mut out = Vec::with_capacity(HEADER_LEN + 8 + payload.len() + TAG_LEN);
        out.push(VERSION);
        out.extend_from_slice(&key.id);
        out.extend_from_slice(&nonce);
        let mut body = Vec::with_capacity(8 + payload.len() + TAG_LEN);
        body.extend_from_slice(&crate::time::unix_seconds(now).to_be_bytes());
        body.extend_from_slice(payload);
        let aad = aad(&key.id, purpose);
        key.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&aad),
                &mut body,
            )
            .map_err(|_| SealError::Malformed)?;
        out.extend_from_slice(&body);
        Ok(crate::base64url::encode(out))
    }

    /// Opens a value sealed for `purpose`, checking its age against `now`.
    pub fn open(&self, purpose: &str, sealed: &str, now: SystemTime) -> Result<Vec<u8>, SealError> {
        if sealed.len() > MAX_SEALED_LEN {
            return Err(SealError::Malformed);
        }
        let raw = crate::base64url::decode(sealed).ok_or(SealError::Malformed)?;
        if raw.len() < HEADER_LEN + 8 + TAG_LEN || raw.first() != Some(&VERSION) {
            return Err(SealError::Malformed);
        }
        let (header, ciphertext) = raw.split_at(HEADER_LEN);
        let key_id = header.get(1..1 + KEY_ID_LEN).ok_or(SealError::Malformed)?;
        let nonce_bytes: [u8; NONCE_LEN] = header
            .get(1 + KEY_ID_LEN..)
            .and_then(|n| n.try_into().ok())
            .ok_or(SealError::Malformed)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == key_id)
            .ok_or(SealError::UnknownKey)?;
        let aad = aad(&key.id, purpose);
        let mut buf = ciphertext.to_vec();
        let plain = key
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(&aad),
                &mut buf,
            )
            .map_err(|_| SealError::Tampered)?;
        let (stamp, payload) = plain.split_at(8.min(plain.len()));
        let created = u64::from_be_bytes(stamp.try_into().map_err(|_| SealError::Malformed)?);
        let now_s = crate::time::unix_seconds(now);
        if created > now_s.saturating_add(FUTURE_SKEW) {
            return Err(SealError::FromTheFuture);
        }
        if now_s.saturating_sub(created) > self.max_age.as_secs() {
            return Err(SealError::Expired);
        }
        Ok(payload.to_vec())
    }

    /// Seals a serializable value as JSON.
    pub fn seal_json<T: serde::Serialize>(
        &self,
        purpose: &str,
        value: &T,
        now: SystemTime,
        rng: &dyn Random,
    ) -> Result<String, SealError> {
        let json = serde_json::to_vec(value).map_err(|_| SealError::Malformed)?;
        self.seal(purpose, &json, now, rng)
    }

    /// Opens a value sealed with [`Sealer::seal_json`].
    pub fn open_json<T: serde::de::DeserializeOwned>(
        &self,
        purpose: &str,
        sealed: &str,
        now: SystemTime,
    ) -> Result<T, SealError> {
        let bytes = self.open(purpose, sealed, now)?;
        serde_json::from_slice(&bytes).map_err(|_| SealError::Malformed)
    }
}

fn aad(key_id: &[u8; KEY_ID_LEN], purpose: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(1 + KEY_ID_LEN + purpose.len());
    aad.push(VERSION);
    aad.extend_from_slice(key_id);
    aad.extend_from_slice(purpose.as_bytes());
    aad
}
