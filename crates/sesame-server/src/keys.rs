//! The signing key ring: every key is published in the JWKS; one key per
//! algorithm signs. Rotation is publish → activate → retire, so verifiers
//! always hold a key before tokens signed with it appear, and after the
//! last one expires.

use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use sesame_core::jose::{Algorithm, JwkSet, SigningKey};

/// Signing keys: all published in the JWKS, one active per algorithm.
#[derive(Debug)]
pub(crate) struct KeyRing {
    keys: Vec<SigningKey>,
    /// The active key's kid, per algorithm, in the order they were configured.
    active: Vec<(Algorithm, String)>,
}

impl KeyRing {
    /// A ring of `keys`: the first key of each algorithm is active.
    pub(crate) fn new(keys: Vec<SigningKey>) -> Self {
        let mut active: Vec<(Algorithm, String)> = Vec::new();
        for k in &keys {
            if !active.iter().any(|(a, _)| *a == k.algorithm()) {
                active.push((k.algorithm(), k.kid().to_owned()));
            }
        }
        Self { keys, active }
    }

    /// The key that signs with `alg`, if one is active.
    pub(crate) fn active_for(&self, alg: Algorithm) -> Option<&SigningKey> {
        let (_, kid) = self.active.iter().find(|(a, _)| *a == alg)?;
        self.keys
            .iter()
            .find(|k| k.kid() == kid && k.algorithm() == alg)
    }

    /// The first active key (what a one-key server signs everything with).
    pub(crate) fn first_active(&self) -> Option<&SigningKey> {
        let (alg, _) = self.active.first()?;
        self.active_for(*alg)
    }

    /// The algorithms the ring signs with, sorted.
    pub(crate) fn active_algorithms(&self) -> Vec<Algorithm> {
        let mut algs: Vec<Algorithm> = self.active.iter().map(|(a, _)| *a).collect();
        algs.sort_by_key(|a| a.as_str());
        algs
    }

    /// Every published key.
    pub(crate) fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// Publishes a key under a new `kid`; false (nothing changes) when the
    /// kid is taken — replacing a published key under its own kid would
    /// break every verifier that cached it.
    pub(crate) fn publish(&mut self, key: SigningKey) -> bool {
        if self.keys.iter().any(|k| k.kid() == key.kid()) {
            return false;
        }
        // Published only: it signs once activated, even for a new algorithm,
        // so that verifiers have it before the first token does.
        self.keys.push(key);
        true
    }

    pub(crate) fn activate(&mut self, kid: &str) -> bool {
        let Some(alg) = self
            .keys
            .iter()
            .find(|k| k.kid() == kid)
            .map(SigningKey::algorithm)
        else {
            return false;
        };
        match self.active.iter_mut().find(|(a, _)| *a == alg) {
            Some(entry) => entry.1 = kid.to_owned(),
            None => self.active.push((alg, kid.to_owned())),
        }
        true
    }

    pub(crate) fn retire(&mut self, kid: &str) -> bool {
        if self.active.iter().any(|(_, k)| k == kid) {
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
    pub(crate) fn new(keys: Vec<SigningKey>) -> Self {
        Self(RwLock::new(KeyRing::new(keys)))
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, KeyRing> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut KeyRing) -> T) -> T {
        f(&mut self.0.write().unwrap_or_else(PoisonError::into_inner))
    }
}
