//! The signing key ring: every key is published in the JWKS, one signs.
//! Rotation is publish → activate → retire, so verifiers always hold a
//! key before tokens signed with it appear, and after the last one expires.

use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use sesame_core::jose::{JwkSet, SigningKey};

/// Signing keys: all published in the JWKS, one active.
#[derive(Debug)]
pub(crate) struct KeyRing {
    keys: Vec<SigningKey>,
    active: String,
}

impl KeyRing {
    pub(crate) fn new(key: SigningKey) -> Self {
        Self {
            active: key.kid().to_owned(),
            keys: vec![key],
        }
    }

    /// The key that signs.
    pub(crate) fn active(&self) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.kid() == self.active)
    }

    /// Every published key.
    pub(crate) fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    pub(crate) fn publish(&mut self, key: SigningKey) {
        self.keys.retain(|k| k.kid() != key.kid());
        self.keys.push(key);
    }

    pub(crate) fn activate(&mut self, kid: &str) -> bool {
        if self.keys.iter().any(|k| k.kid() == kid) {
            self.active = kid.to_owned();
            true
        } else {
            false
        }
    }

    pub(crate) fn retire(&mut self, kid: &str) -> bool {
        if self.active == kid {
            return false;
        }
        let before = self.keys.len();
        self.keys.retain(|k| k.kid() != kid);
        self.keys.len() != before
    }

    /// The published keys as a key set, for verifying in process.
    pub(crate) fn key_set(&self) -> JwkSet {
        JwkSet::from_keys(
            self.keys
                .iter()
                .filter_map(SigningKey::verifying_key)
                .collect(),
        )
    }
}

/// A key ring shared by concurrent requests; a poisoned lock still yields
/// the ring (every write leaves it consistent).
#[derive(Debug)]
pub(crate) struct SharedKeyRing(RwLock<KeyRing>);

impl SharedKeyRing {
    pub(crate) fn new(key: SigningKey) -> Self {
        Self(RwLock::new(KeyRing::new(key)))
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, KeyRing> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut KeyRing) -> T) -> T {
        f(&mut self.0.write().unwrap_or_else(PoisonError::into_inner))
    }
}
