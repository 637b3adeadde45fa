//! Bearer validation of an RS256 and an ES256 access token, in one run:
//! through sesame-core, as raw ring signature verification of the same
//! token (the physical limit), and through the `jsonwebtoken` crate; and
//! an HS256 ID token (LINE signs them with the channel secret) the same
//! three ways, where the signature is cheap and parsing shows; then
//! signing, through sesame-core and raw.
//!
//! sesame-core's rows are named after the crypto backend compiled in
//! (`sesame_core::crypto::BACKEND`). With `--features aws-lc-rs` the
//! bench runs sesame-core on aws-lc-rs and adds raw aws-lc-rs rows next
//! to the raw ring ones, so both backends' limits are measured in the
//! same run; `cargo xtask bench` runs it both ways.
use std::time::{Duration, SystemTime};

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use sesame_core::crypto::BACKEND;
use sesame_core::jose::{JwkSet, SigningKey};
use sesame_core::resource::{BearerValidator, TrustedIssuer};
// The cache is measured next to plain validation: it must pay for itself.

const ISS: &str = "https://issuer.example";
const AUD: &str = "https://api.example";

fn vectors() -> Value {
    serde_json::from_str(include_str!("../../sesame-core/tests/vectors/rfc7515.json"))
        .expect("vectors")
}

fn token(key: &SigningKey) -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let claims = json!({"iss": ISS, "sub": "user-1", "aud": AUD, "exp": now + 3600, "iat": now, "jti": "j1",
        "client_id": "c", "scope": "api:read", "role": "admin"});
    key.sign_claims(Some("at+jwt"), claims.as_object().expect("object"))
        .expect("sign")
}

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .expect("b64")
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct JwtClaims {
    sub: String,
    exp: u64,
}

fn bench(c: &mut Criterion) {
    let v = vectors();
    for (name, key) in [
        (
            "RS256",
            SigningKey::from_jwk(&v["a2_rs256"]["jwk"], "k1").expect("rsa"),
        ),
        (
            "ES256",
            SigningKey::from_jwk(&v["a3_es256"]["jwk"], "k1").expect("ec"),
        ),
    ] {
        let token = token(&key);
        let jwk = key.public_jwk().expect("jwk");
        let keys =
            JwkSet::parse(json!({"keys": [jwk.clone()]}).to_string().as_bytes()).expect("jwks");
        let validator = BearerValidator::new().issuer(TrustedIssuer::new(
            ISS,
            "https://issuer.example/jwks".parse().expect("url"),
            AUD,
        ));
        let (signing_input, sig) = token.rsplit_once('.').expect("jws");
        let signature = b64(sig);

        let mut group = c.benchmark_group(format!("bearer/{name}"));
        group.measurement_time(Duration::from_secs(3));
        group.bench_function(format!("sesame-core on {BACKEND} validate"), |b| {
            b.iter(|| {
                validator
                    .validate(std::hint::black_box(&token), &keys, SystemTime::now())
                    .expect("valid")
            })
        });
        let cache = sesame_core::resource::VerifiedTokenCache::new(1024);
        group.bench_function(
            format!("sesame-core on {BACKEND} validate, verified-token cache hit"),
            |b| {
                b.iter(|| {
                    cache
                        .validate(
                            &validator,
                            std::hint::black_box(&token),
                            &keys,
                            SystemTime::now(),
                        )
                        .expect("valid")
                })
            },
        );
        match name {
            "RS256" => {
                let (n, e) = (
                    b64(jwk["n"].as_str().expect("n")),
                    b64(jwk["e"].as_str().expect("e")),
                );
                group.bench_function("raw ring verify", |b| {
                    b.iter(|| {
                        ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
                            .verify(
                                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                                signing_input.as_bytes(),
                                &signature,
                            )
                            .expect("verify")
                    })
                });
                #[cfg(feature = "aws-lc-rs")]
                group.bench_function("raw aws-lc-rs verify", |b| {
                    b.iter(|| {
                        aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
                            .verify(
                                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                                signing_input.as_bytes(),
                                &signature,
                            )
                            .expect("verify")
                    })
                });
                let dk = jsonwebtoken::DecodingKey::from_rsa_components(
                    jwk["n"].as_str().expect("n"),
                    jwk["e"].as_str().expect("e"),
                )
                .expect("dk");
                let mut val = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
                val.set_audience(&[AUD]);
                val.set_issuer(&[ISS]);
                group.bench_function("jsonwebtoken decode", |b| {
                    b.iter(|| {
                        jsonwebtoken::decode::<JwtClaims>(std::hint::black_box(&token), &dk, &val)
                            .expect("jwt")
                    })
                });
            }
            _ => {
                let mut point = vec![4u8];
                point.extend(b64(jwk["x"].as_str().expect("x")));
                point.extend(b64(jwk["y"].as_str().expect("y")));
                group.bench_function("raw ring verify", |b| {
                    b.iter(|| {
                        ring::signature::UnparsedPublicKey::new(
                            &ring::signature::ECDSA_P256_SHA256_FIXED,
                            &point,
                        )
                        .verify(signing_input.as_bytes(), &signature)
                        .expect("verify")
                    })
                });
                #[cfg(feature = "aws-lc-rs")]
                group.bench_function("raw aws-lc-rs verify", |b| {
                    b.iter(|| {
                        aws_lc_rs::signature::UnparsedPublicKey::new(
                            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
                            &point,
                        )
                        .verify(signing_input.as_bytes(), &signature)
                        .expect("verify")
                    })
                });
                let dk = jsonwebtoken::DecodingKey::from_ec_components(
                    jwk["x"].as_str().expect("x"),
                    jwk["y"].as_str().expect("y"),
                )
                .expect("dk");
                let mut val = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
                val.set_audience(&[AUD]);
                val.set_issuer(&[ISS]);
                group.bench_function("jsonwebtoken decode", |b| {
                    b.iter(|| {
                        jsonwebtoken::decode::<JwtClaims>(std::hint::black_box(&token), &dk, &val)
                            .expect("jwt")
                    })
                });
            }
        }
        group.finish();
    }
    hs256_id_token(c);
    signing(c, &v);
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct IdClaims {
    sub: String,
    exp: u64,
    nonce: String,
}

fn hs256_id_token(c: &mut Criterion) {
    use sesame_core::idtoken::IdTokenValidator;
    use sesame_core::jose::{Algorithm, VerifyingKey};
    let secret = b"a channel secret of the LINE kind";
    let key = SigningKey::hs256(secret, "k1");
    let now = SystemTime::now();
    let t = sesame_core::time::unix_seconds(now);
    let claims = json!({"iss": ISS, "sub": "user-1", "aud": "client-1", "exp": t + 300, "iat": t, "nonce": "n-1"});
    let token = key
        .sign_claims(Some("JWT"), claims.as_object().expect("object"))
        .expect("sign");
    let keys = JwkSet::from_keys(vec![VerifyingKey::hmac(secret, Some("k1".into()))]);
    let mut validator = IdTokenValidator::new(ISS, "client-1").nonce("n-1");
    validator.algorithms = vec![Algorithm::HS256];
    let (signing_input, sig) = token.rsplit_once('.').expect("jws");
    let signature = b64(sig);
    let hmac = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);

    let mut group = c.benchmark_group("id token/HS256");
    group.measurement_time(Duration::from_secs(3));
    group.bench_function(format!("sesame-core on {BACKEND} validate"), |b| {
        b.iter(|| {
            validator
                .validate(std::hint::black_box(&token), &keys, now, None)
                .expect("valid")
        })
    });
    group.bench_function("raw ring verify", |b| {
        b.iter(|| ring::hmac::verify(&hmac, signing_input.as_bytes(), &signature).expect("verify"))
    });
    #[cfg(feature = "aws-lc-rs")]
    {
        let hmac = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
        group.bench_function("raw aws-lc-rs verify", |b| {
            b.iter(|| {
                aws_lc_rs::hmac::verify(&hmac, signing_input.as_bytes(), &signature)
                    .expect("verify")
            })
        });
    }
    let dk = jsonwebtoken::DecodingKey::from_secret(secret);
    let mut val = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    val.set_audience(&["client-1"]);
    val.set_issuer(&[ISS]);
    group.bench_function("jsonwebtoken decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<IdClaims>(std::hint::black_box(&token), &dk, &val).expect("jwt")
        })
    });
    group.finish();
}

/// Signing an access token's claims through sesame-core, against the raw
/// signature of a message of the same length (RS256 and ES256).
fn signing(c: &mut Criterion, v: &Value) {
    let now = sesame_core::time::unix_seconds(SystemTime::now());
    let claims = json!({"iss": ISS, "sub": "user-1", "aud": AUD, "exp": now + 3600, "iat": now,
        "jti": "j1", "client_id": "c", "scope": "api:read", "role": "admin"});
    let claims = claims.as_object().expect("object");
    let field = |jwk: &Value, k: &str| b64(jwk[k].as_str().expect("jwk field"));

    let rsa = &v["a2_rs256"]["jwk"];
    let key = SigningKey::from_jwk(rsa, "k1").expect("rsa");
    let message = key
        .sign_claims(Some("at+jwt"), claims)
        .expect("sign")
        .rsplit_once('.')
        .expect("jws")
        .0
        .to_owned();
    let mut group = c.benchmark_group("sign/RS256");
    group.measurement_time(Duration::from_secs(3));
    group.bench_function(format!("sesame-core on {BACKEND} sign"), |b| {
        b.iter(|| {
            key.sign_claims(Some("at+jwt"), std::hint::black_box(claims))
                .expect("sign")
        })
    });
    {
        use ring::rsa::{KeyPairComponents, PublicKeyComponents};
        let kp = ring::signature::RsaKeyPair::from_components(&KeyPairComponents {
            public_key: PublicKeyComponents {
                n: field(rsa, "n"),
                e: field(rsa, "e"),
            },
            d: field(rsa, "d"),
            p: field(rsa, "p"),
            q: field(rsa, "q"),
            dP: field(rsa, "dp"),
            dQ: field(rsa, "dq"),
            qInv: field(rsa, "qi"),
        })
        .expect("ring rsa");
        let rng = ring::rand::SystemRandom::new();
        let mut out = vec![0; kp.public().modulus_len()];
        group.bench_function("raw ring sign", |b| {
            b.iter(|| {
                kp.sign(
                    &ring::signature::RSA_PKCS1_SHA256,
                    &rng,
                    message.as_bytes(),
                    &mut out,
                )
                .expect("sign")
            })
        });
    }
    #[cfg(feature = "aws-lc-rs")]
    {
        use aws_lc_rs::rsa::{KeyPairComponents, PublicKeyComponents};
        let kp = aws_lc_rs::signature::RsaKeyPair::from_components(&KeyPairComponents {
            public_key: PublicKeyComponents {
                n: field(rsa, "n"),
                e: field(rsa, "e"),
            },
            d: field(rsa, "d"),
            p: field(rsa, "p"),
            q: field(rsa, "q"),
            dP: field(rsa, "dp"),
            dQ: field(rsa, "dq"),
            qInv: field(rsa, "qi"),
        })
        .expect("aws-lc-rs rsa");
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut out = vec![0; kp.public_modulus_len()];
        group.bench_function("raw aws-lc-rs sign", |b| {
            b.iter(|| {
                kp.sign(
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                    &rng,
                    message.as_bytes(),
                    &mut out,
                )
                .expect("sign")
            })
        });
    }
    group.finish();

    let ec = &v["a3_es256"]["jwk"];
    let key = SigningKey::from_jwk(ec, "k1").expect("ec");
    let mut public = vec![4u8];
    public.extend(field(ec, "x"));
    public.extend(field(ec, "y"));
    let private = field(ec, "d");
    let message = key
        .sign_claims(Some("at+jwt"), claims)
        .expect("sign")
        .rsplit_once('.')
        .expect("jws")
        .0
        .to_owned();
    let mut group = c.benchmark_group("sign/ES256");
    group.measurement_time(Duration::from_secs(3));
    group.bench_function(format!("sesame-core on {BACKEND} sign"), |b| {
        b.iter(|| {
            key.sign_claims(Some("at+jwt"), std::hint::black_box(claims))
                .expect("sign")
        })
    });
    {
        let rng = ring::rand::SystemRandom::new();
        let kp = ring::signature::EcdsaKeyPair::from_private_key_and_public_key(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &private,
            &public,
            &rng,
        )
        .expect("ring ec");
        group.bench_function("raw ring sign", |b| {
            b.iter(|| kp.sign(&rng, message.as_bytes()).expect("sign"))
        });
    }
    #[cfg(feature = "aws-lc-rs")]
    {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let kp = aws_lc_rs::signature::EcdsaKeyPair::from_private_key_and_public_key(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &private,
            &public,
        )
        .expect("aws-lc-rs ec");
        group.bench_function("raw aws-lc-rs sign", |b| {
            b.iter(|| kp.sign(&rng, message.as_bytes()).expect("sign"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
