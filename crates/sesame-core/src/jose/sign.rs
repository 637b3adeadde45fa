use std::fmt;

use crate::crypto::signature::{self as sig, KeyPair as _};
use crate::crypto::{self, hmac, rsa, SystemRandom};
use serde_json::{json, Map, Value};

use super::{Algorithm, JoseError, VerifyingKey};

enum Inner {
    Ecdsa(sig::EcdsaKeyPair),
    Ed25519(sig::Ed25519KeyPair),
    Rsa(sig::RsaKeyPair),
    // Boxed: aws-lc-rs keeps a whole HMAC context (over 1 KiB) in its key.
    Hmac(Box<hmac::Key>),
}

/// A private key that signs compact JWS: ES256, EdDSA, RS256 or HS256.
///
/// ECDSA nonces and RSA blinding need randomness *inside* the crypto
/// backend ([`crate::crypto`]); those come from its own system generator.
/// Protocol randomness (codes, `jti`, nonces) always comes from the
/// caller's [`crate::random::Random`].
pub struct SigningKey {
    kid: String,
    alg: Algorithm,
    inner: Inner,
    rng: SystemRandom,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key for `alg` (ES256 or EdDSA; RSA keys are not generated here,
    /// load those with [`SigningKey::rs256_from_pkcs8`]). Returns the key and
    /// its PKCS#8 document so that it can be stored.
    pub fn generate(alg: Algorithm, kid: impl Into<String>) -> Result<(Self, Vec<u8>), JoseError> {
        let rng = SystemRandom::new();
        let pkcs8 = match alg {
            Algorithm::ES256 => {
                sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            }
            Algorithm::EdDSA => sig::Ed25519KeyPair::generate_pkcs8(&rng),
            _ => return Err(JoseError::UnsupportedAlgorithm),
        }
        .map_err(|_| JoseError::SigningFailed)?;
        let bytes = pkcs8.as_ref().to_vec();
        Ok((Self::from_pkcs8(alg, &bytes, kid)?, bytes))
    }

    /// A key from a PKCS#8 document (ES256, EdDSA or RS256).
    pub fn from_pkcs8(
        alg: Algorithm,
        pkcs8: &[u8],
        kid: impl Into<String>,
    ) -> Result<Self, JoseError> {
        let rng = SystemRandom::new();
        let inner = match alg {
            Algorithm::ES256 => Inner::Ecdsa(
                crypto::p256_from_pkcs8(pkcs8, &rng).ok_or(JoseError::InvalidSigningKey)?,
            ),
            Algorithm::EdDSA => Inner::Ed25519(
                sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
                    .map_err(|_| JoseError::InvalidSigningKey)?,
            ),
            Algorithm::RS256 => Inner::Rsa(
                sig::RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| JoseError::InvalidSigningKey)?,
            ),
            _ => return Err(JoseError::UnsupportedAlgorithm),
        };
        Ok(Self {
            kid: kid.into(),
            alg,
            inner,
            rng,
        })
    }

    /// An RS256 key from PKCS#8 (alias of [`SigningKey::from_pkcs8`]).
    pub fn rs256_from_pkcs8(pkcs8: &[u8], kid: impl Into<String>) -> Result<Self, JoseError> {
        Self::from_pkcs8(Algorithm::RS256, pkcs8, kid)
    }

    /// A key from a private JWK (`EC` P-256 with `d`, `OKP` Ed25519 with `d`,
    /// or `RSA` with all CRT parameters).
    pub fn from_jwk(jwk: &Value, kid: impl Into<String>) -> Result<Self, JoseError> {
        let b = |name: &str| {
            jwk.get(name)
                .and_then(Value::as_str)
                .and_then(crate::base64url::decode)
                .ok_or(JoseError::InvalidSigningKey)
        };
        let rng = SystemRandom::new();
        let (alg, inner) = match jwk.get("kty").and_then(Value::as_str) {
            Some("EC") if jwk.get("crv").and_then(Value::as_str) == Some("P-256") => {
                let mut public = vec![0x04];
                public.extend(b("x")?);
                public.extend(b("y")?);
                let kp = crypto::p256_from_private_and_public(&b("d")?, &public, &rng)
                    .ok_or(JoseError::InvalidSigningKey)?;
                (Algorithm::ES256, Inner::Ecdsa(kp))
            }
            Some("OKP") if jwk.get("crv").and_then(Value::as_str) == Some("Ed25519") => {
                let kp = sig::Ed25519KeyPair::from_seed_and_public_key(&b("d")?, &b("x")?)
                    .map_err(|_| JoseError::InvalidSigningKey)?;
                (Algorithm::EdDSA, Inner::Ed25519(kp))
            }
            Some("RSA") => {
                let comps = rsa::KeyPairComponents {
                    public_key: rsa::PublicKeyComponents {
                        n: b("n")?,
                        e: b("e")?,
                    },
                    d: b("d")?,
                    p: b("p")?,
                    q: b("q")?,
                    dP: b("dp")?,
                    dQ: b("dq")?,
                    qInv: b("qi")?,
                };
                let kp = sig::RsaKeyPair::from_components(&comps)
                    .map_err(|_| JoseError::InvalidSigningKey)?;
                (Algorithm::RS256, Inner::Rsa(kp))
            }
            _ => return Err(JoseError::InvalidSigningKey),
        };
        Ok(Self {
            kid: kid.into(),
            alg,
            inner,
            rng,
        })
    }

    /// Every key of a JSON JWK Set of private keys (`{"keys": [...]}`),
    /// in order; each needs a `kid`. For configuration files shared by the
    /// instances of one server.
    ///
    /// ```
    /// use sesame_core::jose::{Algorithm, SigningKey};
    /// // RFC 7515 A.3's P-256 key.
    /// let jwks = r#"{"keys": [{"kid": "ec-1", "kty": "EC", "crv": "P-256",
    ///     "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "d": "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}]}"#;
    /// let keys = SigningKey::set_from_jwks(jwks.as_bytes()).unwrap();
    /// assert_eq!((keys[0].kid(), keys[0].algorithm()), ("ec-1", Algorithm::ES256));
    /// assert!(SigningKey::set_from_jwks(br#"{"keys": []}"#).is_err());
    /// ```
    pub fn set_from_jwks(json: &[u8]) -> Result<Vec<SigningKey>, JoseError> {
        let doc: Value = serde_json::from_slice(json).map_err(|_| JoseError::InvalidSigningKey)?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .filter(|k| !k.is_empty())
            .ok_or(JoseError::InvalidSigningKey)?;
        keys.iter()
            .map(|jwk| {
                let kid = jwk
                    .get("kid")
                    .and_then(Value::as_str)
                    .filter(|k| !k.is_empty())
                    .ok_or(JoseError::InvalidSigningKey)?;
                Self::from_jwk(jwk, kid)
            })
            .collect()
    }

    /// An HS256 key from an application secret.
    pub fn hs256(secret: &[u8], kid: impl Into<String>) -> Self {
        Self {
            kid: kid.into(),
            alg: Algorithm::HS256,
            inner: Inner::Hmac(Box::new(crypto::hmac_sha256_key(secret))),
            rng: SystemRandom::new(),
        }
    }

    /// The key id, published as `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The public JWK (`None` for HMAC keys, which have no public half).
    pub fn public_jwk(&self) -> Option<Value> {
        let b = crate::base64url::encode;
        let mut jwk = match &self.inner {
            Inner::Ecdsa(kp) => {
                let p = kp.public_key().as_ref();
                json!({"kty": "EC", "crv": "P-256", "x": b(p.get(1..33)?), "y": b(p.get(33..65)?)})
            }
            Inner::Ed25519(kp) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": b(kp.public_key().as_ref())})
            }
            Inner::Rsa(kp) => {
                let c = rsa::PublicKeyComponents::<Vec<u8>>::from(kp.public_key());
                json!({"kty": "RSA", "n": b(&c.n), "e": b(&c.e)})
            }
            Inner::Hmac(_) => return None,
        };
        let obj = jwk.as_object_mut()?;
        obj.insert("kid".into(), Value::String(self.kid.clone()));
        obj.insert("alg".into(), Value::String(self.alg.as_str().into()));
        obj.insert("use".into(), Value::String("sig".into()));
        Some(jwk)
    }

    /// The matching verifying key.
    pub fn verifying_key(&self) -> Option<VerifyingKey> {
        match &self.inner {
            Inner::Hmac(k) => Some(VerifyingKey {
                fingerprint: [0; 32],
                kid: Some(self.kid.clone()),
                alg: Some(Algorithm::HS256),
                family: super::KeyFamily::Hmac,
                material: super::jwk::Material::Hmac(k.clone()),
            }),
            _ => VerifyingKey::from_jwk(&self.public_jwk()?).ok(),
        }
    }

    /// Signs raw bytes with this key's algorithm.
    pub fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        Ok(match &self.inner {
            Inner::Ecdsa(kp) => kp
                .sign(&self.rng, message)
                .map_err(|_| JoseError::SigningFailed)?
                .as_ref()
                .to_vec(),
            Inner::Ed25519(kp) => kp.sign(message).as_ref().to_vec(),
            Inner::Rsa(kp) => {
                let mut out = vec![0u8; crypto::rsa_signature_len(kp)];
                kp.sign(&sig::RSA_PKCS1_SHA256, &self.rng, message, &mut out)
                    .map_err(|_| JoseError::SigningFailed)?;
                out
            }
            Inner::Hmac(k) => hmac::sign(k, message).as_ref().to_vec(),
        })
    }

    /// Signs `claims` into a compact JWS with header `{alg, kid, typ}`.
    ///
    /// `typ` is, for example, `"JWT"` or `"at+jwt"` (RFC 9068).
    pub fn sign_claims(
        &self,
        typ: Option<&str>,
        claims: &Map<String, Value>,
    ) -> Result<String, JoseError> {
        let mut header = Map::new();
        header.insert("alg".into(), Value::String(self.alg.as_str().into()));
        header.insert("kid".into(), Value::String(self.kid.clone()));
        if let Some(t) = typ {
            header.insert("typ".into(), Value::String(t.into()));
        }
        let header = serde_json::to_vec(&header).map_err(|_| JoseError::SigningFailed)?;
        let payload = serde_json::to_vec(claims).map_err(|_| JoseError::SigningFailed)?;
        self.sign_parts(&header, &payload)
    }

    /// Signs an already-serialized header and payload.
    pub fn sign_parts(&self, header_json: &[u8], payload: &[u8]) -> Result<String, JoseError> {
        let mut token = crate::base64url::encode(header_json);
        token.push('.');
        token.push_str(&crate::base64url::encode(payload));
        let signature = self.sign_bytes(token.as_bytes())?;
        token.push('.');
        token.push_str(&crate::base64url::encode(signature));
        Ok(token)
    }
}
