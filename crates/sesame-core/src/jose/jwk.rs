use std::fmt;

use crate::crypto::hmac;
use serde_json::Value;

use super::{Algorithm, JoseError};

/// The key type a JWS algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyFamily {
    /// An RSA key (2048 to 8192 bits).
    Rsa,
    /// An EC key on P-256.
    P256,
    /// An EC key on P-384.
    P384,
    /// An Ed25519 (OKP) key.
    Ed25519,
    /// A symmetric HMAC secret held by the application.
    Hmac,
}

#[derive(Clone)]
pub(crate) enum Material {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { point: Vec<u8> },
    Ed25519(Vec<u8>),
    // Boxed: aws-lc-rs keeps a whole HMAC context (over 1 KiB) in its key.
    Hmac(Box<hmac::Key>),
}

/// A public key (or an application-held HMAC secret) that verifies signatures.
#[derive(Clone)]
pub struct VerifyingKey {
    pub(crate) fingerprint: [u8; 32],
    pub(crate) kid: Option<String>,
    pub(crate) alg: Option<Algorithm>,
    pub(crate) family: KeyFamily,
    pub(crate) material: Material,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("family", &self.family)
            .finish_non_exhaustive()
    }
}

/// Upper bounds that keep a hostile JWKS cheap to parse.
const MAX_KEYS: usize = 64;
const MAX_JWKS_BYTES: usize = 512 * 1024;

impl VerifyingKey {
    /// An HMAC-SHA256 key from an application secret (for HS256 tokens the
    /// application itself issues). Never created from a fetched JWKS.
    pub fn hmac(secret: &[u8], kid: Option<String>) -> Self {
        Self {
            fingerprint: fingerprint(&[b"hmac:", secret].concat()),
            kid,
            alg: Some(Algorithm::HS256),
            family: KeyFamily::Hmac,
            material: Material::Hmac(Box::new(crate::crypto::hmac_sha256_key(secret))),
        }
    }

    /// Parses one public JWK. Symmetric (`oct`) keys, encryption keys and
    /// keys with parameters that do not fit their type are refused.
    pub fn from_jwk(jwk: &Value) -> Result<Self, JoseError> {
        let obj = jwk.as_object().ok_or(JoseError::MalformedKey)?;
        let text = |name: &str| obj.get(name).and_then(Value::as_str);
        let bytes = |name: &str| text(name).and_then(crate::base64url::decode);

        if let Some(u) = obj.get("use") {
            if u.as_str() != Some("sig") {
                return Err(JoseError::MalformedKey);
            }
        }
        if let Some(ops) = obj.get("key_ops") {
            let ops = ops.as_array().ok_or(JoseError::MalformedKey)?;
            if !ops.iter().any(|o| o.as_str() == Some("verify")) {
                return Err(JoseError::MalformedKey);
            }
        }
        let alg = match obj.get("alg") {
            None => None,
            Some(v) => Some(Algorithm::parse(
                v.as_str().ok_or(JoseError::MalformedKey)?,
            )?),
        };
        let kid = match obj.get("kid") {
            None => None,
            Some(v) => Some(v.as_str().ok_or(JoseError::MalformedKey)?.to_owned()),
        };

        let (family, material) = match text("kty") {
            Some("RSA") => {
                let n = strip_leading_zeros(bytes("n").ok_or(JoseError::MalformedKey)?);
                let e = strip_leading_zeros(bytes("e").ok_or(JoseError::MalformedKey)?);
                // 2048..=8192 bits, as both backends enforce at verification time.
                if !(256..=1024).contains(&n.len()) || e.is_empty() || e.len() > 8 {
                    return Err(JoseError::MalformedKey);
                }
                (KeyFamily::Rsa, Material::Rsa { n, e })
            }
            Some("EC") => {
                let (family, size) = match text("crv") {
                    Some("P-256") => (KeyFamily::P256, 32),
                    Some("P-384") => (KeyFamily::P384, 48),
                    _ => return Err(JoseError::MalformedKey),
                };
                let x = bytes("x").ok_or(JoseError::MalformedKey)?;
                let y = bytes("y").ok_or(JoseError::MalformedKey)?;
                if x.len() != size || y.len() != size {
                    return Err(JoseError::MalformedKey);
                }
                let mut point = Vec::with_capacity(1 + 2 * size);
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                (family, Material::Ec { point })
            }
            Some("OKP") => {
                if text("crv") != Some("Ed25519") {
                    return Err(JoseError::MalformedKey);
                }
                let x = bytes("x").ok_or(JoseError::MalformedKey)?;
                if x.len() != 32 {
                    return Err(JoseError::MalformedKey);
                }
                (KeyFamily::Ed25519, Material::Ed25519(x))
            }
            _ => return Err(JoseError::MalformedKey),
        };
        if let Some(a) = alg {
            if a.family() != family {
                return Err(JoseError::MalformedKey);
            }
        }
        let fp = match &material {
            Material::Rsa { n, e } => fingerprint(&[b"rsa:".as_slice(), n, b":", e].concat()),
            Material::Ec { point } => fingerprint(&[b"ec:".as_slice(), point].concat()),
            Material::Ed25519(x) => fingerprint(&[b"ed25519:".as_slice(), x].concat()),
            Material::Hmac(_) => [0; 32],
        };
        Ok(Self {
            fingerprint: fp,
            kid,
            alg,
            family,
            material,
        })
    }

    /// SHA-256 of the key material: two keys with the same fingerprint verify the same signatures.
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// The key id, if the key has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key's family.
    pub fn family(&self) -> KeyFamily {
        self.family
    }

    /// The algorithm the key is pinned to, if its JWK named one.
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.alg
    }

    /// Whether this key may verify a signature made with `alg`.
    pub fn fits(&self, alg: Algorithm) -> bool {
        self.family == alg.family() && self.alg.is_none_or(|a| a == alg)
    }

    /// Verifies `signature` over `message` with `alg`.
    pub fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), JoseError> {
        use crate::crypto::signature as sig;
        if !self.fits(alg) {
            return Err(JoseError::NoCompatibleKey);
        }
        let ok = match (&self.material, alg) {
            (Material::Hmac(key), Algorithm::HS256) => {
                hmac::verify(key, message, signature).is_ok()
            }
            (Material::Rsa { n, e }, _) => {
                let params: &sig::RsaParameters = match alg {
                    Algorithm::RS256 => &sig::RSA_PKCS1_2048_8192_SHA256,
                    Algorithm::RS384 => &sig::RSA_PKCS1_2048_8192_SHA384,
                    Algorithm::RS512 => &sig::RSA_PKCS1_2048_8192_SHA512,
                    Algorithm::PS256 => &sig::RSA_PSS_2048_8192_SHA256,
                    Algorithm::PS384 => &sig::RSA_PSS_2048_8192_SHA384,
                    Algorithm::PS512 => &sig::RSA_PSS_2048_8192_SHA512,
                    _ => return Err(JoseError::NoCompatibleKey),
                };
                sig::RsaPublicKeyComponents { n, e }
                    .verify(params, message, signature)
                    .is_ok()
            }
            (Material::Ec { point }, Algorithm::ES256) => {
                sig::UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }
            (Material::Ec { point }, Algorithm::ES384) => {
                sig::UnparsedPublicKey::new(&sig::ECDSA_P384_SHA384_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }
            (Material::Ed25519(x), Algorithm::EdDSA) => {
                sig::UnparsedPublicKey::new(&sig::ED25519, x)
                    .verify(message, signature)
                    .is_ok()
            }
            _ => return Err(JoseError::NoCompatibleKey),
        };
        if ok {
            Ok(())
        } else {
            Err(JoseError::BadSignature)
        }
    }
}

fn fingerprint(bytes: &[u8]) -> [u8; 32] {
    crate::crypto::sha256(bytes)
}

fn strip_leading_zeros(mut v: Vec<u8>) -> Vec<u8> {
    let zeros = v.iter().take_while(|b| **b == 0).count();
    v.drain(..zeros);
    v
}

/// A set of verifying keys, usually parsed from an issuer's `jwks_uri`.
#[derive(Debug, Clone, Default)]
pub struct JwkSet {
    keys: Vec<VerifyingKey>,
    skipped: usize,
}

impl JwkSet {
    /// A set from keys already built.
    pub fn from_keys(keys: Vec<VerifyingKey>) -> Self {
        Self { keys, skipped: 0 }
    }

    /// Parses a JWKS document (`{"keys": [...]}`). Keys that cannot be used
    /// for signature verification are skipped; only a document that is not a
    /// JWKS at all is an error.
    pub fn parse(json: &[u8]) -> Result<Self, JoseError> {
        if json.len() > MAX_JWKS_BYTES {
            return Err(JoseError::MalformedKey);
        }
        let doc: Value = serde_json::from_slice(json).map_err(|_| JoseError::MalformedKey)?;
        let list = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(JoseError::MalformedKey)?;
        let mut set = JwkSet::default();
        for jwk in list.iter().take(MAX_KEYS) {
            match VerifyingKey::from_jwk(jwk) {
                Ok(k) => set.keys.push(k),
                Err(_) => set.skipped += 1,
            }
        }
        set.skipped += list.len().saturating_sub(MAX_KEYS);
        Ok(set)
    }

    /// The usable keys.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// How many keys of the document were skipped as unusable.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The fingerprints of the keys with this `kid`.
    pub fn fingerprints(&self, kid: &str) -> impl Iterator<Item = [u8; 32]> + '_ {
        let kid = kid.to_owned();
        self.keys
            .iter()
            .filter(move |k| k.kid.as_deref() == Some(kid.as_str()))
            .map(|k| k.fingerprint)
    }

    /// Whether the set holds a key with this `kid`.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }

    /// The keys that may verify a token with this `kid` and `alg`.
    ///
    /// With a `kid`, only keys with that id are candidates ([`JoseError::UnknownKey`]
    /// when there is none). Without one, every key of the algorithm's family is.
    pub fn candidates(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Vec<&VerifyingKey>, JoseError> {
        let found: Vec<&VerifyingKey> = self.candidates_iter(kid, alg)?.collect();
        if found.is_empty() {
            return Err(JoseError::NoCompatibleKey);
        }
        Ok(found)
    }

    /// [`JwkSet::candidates`] without collecting them: an unknown `kid` is
    /// an error; an empty iterator means no key fits the algorithm.
    pub(crate) fn candidates_iter<'s, 'k>(
        &'s self,
        kid: Option<&'k str>,
        alg: Algorithm,
    ) -> Result<impl Iterator<Item = &'s VerifyingKey> + use<'s, 'k>, JoseError> {
        if let Some(kid) = kid {
            if !self.contains_kid(kid) {
                return Err(JoseError::UnknownKey);
            }
        }
        Ok(self
            .keys
            .iter()
            .filter(move |k| kid.is_none_or(|kid| k.kid.as_deref() == Some(kid)))
            .filter(move |k| k.fits(alg)))
    }
}
