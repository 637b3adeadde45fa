//! The resource server's checks, each with its RFC 6750 answer.
mod common;
use common::*;
use serde_json::{json, Map, Value};
use sesame_core::jose::SigningKey;
use sesame_core::resource::{
    extract_bearer, BearerError, BearerValidator, Guard, KeySource, TrustedIssuer,
};

const API: &str = "https://api.example";

fn validator() -> BearerValidator {
    BearerValidator::new().issuer(TrustedIssuer::new(
        ISSUER,
        "https://op.example/jwks".parse().unwrap(),
        API,
    ))
}

fn at(key: &SigningKey, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let t = unix(now());
    let mut c = json!({"iss": ISSUER, "sub": "u1", "aud": API, "exp": t + 300, "iat": t, "jti": "j", "client_id": "c",
        "scope": "api:read profile", "role": "admin", "groups": ["staff", "ops"]})
    .as_object()
    .cloned()
    .unwrap();
    edit(&mut c);
    key.sign_claims(Some("at+jwt"), &c).unwrap()
}

fn check(token: &str) -> Result<sesame_core::resource::AccessClaims, BearerError> {
    let key = es256_key("k1");
    validator().validate(token, &jwks_of(&[&key]), now())
}

#[test]
fn a_valid_rfc9068_token_passes() {
    let key = es256_key("k1");
    let c = check(&at(&key, |_| {})).unwrap();
    assert_eq!(
        (c.subject.as_str(), c.scopes.len(), c.client_id.as_deref()),
        ("u1", 2, Some("c"))
    );
    let KeySource::Fetch(req) = validator().keys_for(&at(&key, |_| {})).unwrap() else {
        panic!("remote keys")
    };
    assert_eq!(
        (req.jwks_uri.as_str(), req.kid.as_deref()),
        ("https://op.example/jwks", Some("k1"))
    );
}

#[test]
fn typed_claims_come_from_the_token_or_refuse_it() {
    use sesame_core::resource::FromAccessClaims;
    #[derive(serde::Deserialize)]
    struct Mine {
        sub: String,
        role: String,
        groups: Vec<String>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct NeedsTenant {
        tenant: String,
    }
    let c = check(&at(&es256_key("k1"), |_| {})).unwrap();
    let mine = Mine::from_access_claims(&c).unwrap();
    assert_eq!((mine.sub.as_str(), mine.role.as_str()), ("u1", "admin"));
    assert_eq!(mine.groups, ["staff", "ops"]);
    let err = NeedsTenant::from_access_claims(&c).unwrap_err();
    assert_eq!(
        err.status(),
        403,
        "a valid token lacking what the API needs"
    );
    assert_eq!(
        sesame_core::resource::AccessClaims::from_access_claims(&c).unwrap(),
        c
    );
}

#[test]
fn static_keys_need_no_fetch_and_know_no_other_key() {
    let (k1, other) = (es256_key("k1"), es256_key("k2"));
    let v = BearerValidator::new().issuer(TrustedIssuer::with_static_keys(
        ISSUER,
        jwks_of(&[&k1]),
        API,
    ));
    let token = at(&k1, |_| {});
    let KeySource::Static(keys) = v.keys_for(&token).unwrap() else {
        panic!("static keys are not fetched")
    };
    assert_eq!(v.validate(&token, keys, now()).unwrap().subject, "u1");
    // A token signed by a key the app didn't configure.
    let forged = at(&other, |_| {});
    let KeySource::Static(keys) = v.keys_for(&forged).unwrap() else {
        panic!()
    };
    let err = v.validate(&forged, keys, now()).unwrap_err();
    assert!(
        matches!(err, BearerError::UnknownKey | BearerError::InvalidToken(_)),
        "{err:?}"
    );
    assert_eq!(err.status(), 401);
}

#[test]
fn each_claim_rule() {
    let key = es256_key("k1");
    let t = unix(now());
    type Edit = Box<dyn FnOnce(&mut Map<String, Value>)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "audience",
            Box::new(|c| {
                c.insert("aud".into(), json!("https://other.example"));
            }),
        ),
        (
            "expired",
            Box::new(move |c| {
                c.insert("exp".into(), json!(t - 61));
            }),
        ),
        (
            "not yet valid",
            Box::new(move |c| {
                c.insert("nbf".into(), json!(t + 120));
            }),
        ),
        (
            "issued in the future",
            Box::new(move |c| {
                c.insert("iat".into(), json!(t + 120));
            }),
        ),
        (
            "no sub",
            Box::new(|c| {
                c.remove("sub");
            }),
        ),
        (
            "no exp",
            Box::new(|c| {
                c.remove("exp");
            }),
        ),
    ];
    for (why, edit) in cases {
        assert_eq!(
            check(&at(&key, edit)).unwrap_err(),
            BearerError::InvalidToken(why)
        );
    }
    // Within the leeway.
    assert!(check(&at(&key, |c| {
        c.insert("exp".into(), json!(t - 30));
    }))
    .is_ok());
    // An untrusted issuer.
    assert_eq!(
        check(&at(&key, |c| {
            c.insert("iss".into(), json!("https://evil.example"));
        }))
        .unwrap_err(),
        BearerError::InvalidToken("untrusted issuer")
    );
}

#[test]
fn id_tokens_and_unsigned_tokens_are_not_access_tokens() {
    let key = es256_key("k1");
    let id_token = key.sign_claims(Some("JWT"), &id_claims("n")).unwrap();
    assert!(matches!(
        check(&id_token).unwrap_err(),
        BearerError::InvalidToken(_)
    ));
    let none = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.{}.",
        at(&key, |_| {}).split('.').nth(1).unwrap()
    );
    assert_eq!(
        check(&none).unwrap_err(),
        BearerError::InvalidToken("alg none")
    );
}

#[test]
fn an_unknown_key_asks_for_one_refetch() {
    let err = check(&at(&rs256_key("rotated"), |_| {})).unwrap_err();
    assert!(err.wants_refetch());
    assert_eq!(err.status(), 401);
}

#[test]
fn guards_answer_403_with_the_scope_needed() {
    let key = es256_key("k1");
    let c = check(&at(&key, |_| {})).unwrap();
    assert!(Guard::new()
        .scope("api:read")
        .claim_eq("role", "admin")
        .claim_contains("groups", "ops")
        .claim_present("jti")
        .check(&c)
        .is_ok());
    let e = Guard::new().scope("api:write").check(&c).unwrap_err();
    assert_eq!(e, BearerError::InsufficientScope("api:write".into()));
    let resp = e.to_response("api");
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"api:write\""
    );
    assert_eq!(
        Guard::new()
            .claim_eq("role", "root")
            .check(&c)
            .unwrap_err()
            .status(),
        403
    );
    assert_eq!(
        Guard::new()
            .claim_contains("groups", "finance")
            .check(&c)
            .unwrap_err()
            .status(),
        403
    );
    // A scalar claim compared with a scalar never errors out (fastapi_simple_oauth2 returned 500 here).
    assert_eq!(
        Guard::new().claim_contains("role", "admin").check(&c),
        Ok(())
    );
    assert_eq!(
        Guard::new()
            .claim_present("missing")
            .check(&c)
            .unwrap_err()
            .status(),
        403
    );
}

#[test]
fn authorization_headers() {
    let h = |v: &str| {
        let mut m = http::HeaderMap::new();
        m.insert("authorization", http::HeaderValue::from_str(v).unwrap());
        m
    };
    assert_eq!(
        extract_bearer(&h("Bearer abc.def-_~+/=")).unwrap(),
        "abc.def-_~+/="
    );
    assert_eq!(extract_bearer(&h("bearer abc")).unwrap(), "abc");
    assert_eq!(
        extract_bearer(&http::HeaderMap::new()).unwrap_err(),
        BearerError::Missing
    );
    assert_eq!(
        extract_bearer(&h("Basic abc")).unwrap_err(),
        BearerError::Missing
    );
    for bad in ["Bearer", "Bearer ", "Bearer a b", "Bearer a\"b"] {
        assert_eq!(
            extract_bearer(&h(bad)).unwrap_err(),
            BearerError::InvalidRequest,
            "{bad}"
        );
    }
    let missing = BearerError::Missing.to_response("api");
    assert_eq!(
        (
            missing.status().as_u16(),
            missing.headers()["www-authenticate"].to_str().unwrap()
        ),
        (401, "Bearer realm=\"api\"")
    );
    let invalid = BearerError::InvalidToken("expired").to_response("api");
    let www = invalid.headers()["www-authenticate"].to_str().unwrap();
    assert_eq!(www, "Bearer realm=\"api\", error=\"invalid_token\"");
    assert!(
        !String::from_utf8_lossy(invalid.body()).contains("expired"),
        "no details for attackers"
    );
    assert_eq!(BearerError::InvalidRequest.to_response("api").status(), 400);
}

mod verified_token_cache {
    use super::*;
    use sesame_core::resource::VerifiedTokenCache;

    #[test]
    fn hits_skip_the_signature_but_never_outlive_the_token() {
        let key = es256_key("k1");
        let keys = jwks_of(&[&key]);
        let t = unix(now());
        let token = at(&key, |c| {
            c.insert("exp".into(), json!(t + 100));
        });
        let cache = VerifiedTokenCache::new(16);
        assert!(cache.validate(&validator(), &token, &keys, now()).is_ok());
        assert_eq!(cache.len(), 1);
        assert!(cache
            .validate(&validator(), &token, &keys, now() + secs(50))
            .is_ok());
        // Past exp + leeway: the cache does not answer; validation refuses.
        assert_eq!(
            cache
                .validate(&validator(), &token, &keys, now() + secs(161))
                .unwrap_err(),
            BearerError::InvalidToken("expired")
        );
    }

    #[test]
    fn a_removed_or_replaced_key_ends_its_cached_tokens() {
        let key = es256_key("k1");
        let token = at(&key, |_| {});
        let cache = VerifiedTokenCache::new(16);
        cache
            .validate(&validator(), &token, &jwks_of(&[&key]), now())
            .unwrap();
        // The issuer dropped k1: no cache answer, and no key to verify with.
        let other = rs256_key("k2");
        assert!(cache
            .validate(&validator(), &token, &jwks_of(&[&other]), now())
            .unwrap_err()
            .wants_refetch());
        // The issuer reused the kid "k1" for new key material: the old token fails.
        let impostor = SigningKey::generate(sesame_core::jose::Algorithm::ES256, "k1")
            .unwrap()
            .0;
        assert_eq!(
            cache
                .validate(&validator(), &token, &jwks_of(&[&impostor]), now())
                .unwrap_err(),
            BearerError::InvalidToken("bad signature")
        );
    }

    #[test]
    fn tokens_without_kid_are_not_cached_and_the_cache_is_bounded() {
        let key = es256_key("k1");
        let t = unix(now());
        let claims = json!({"iss": ISSUER, "sub": "u", "aud": API, "exp": t + 300, "iat": t});
        let no_kid = key
            .sign_parts(
                br#"{"alg":"ES256","typ":"at+jwt"}"#,
                claims.to_string().as_bytes(),
            )
            .unwrap();
        let cache = VerifiedTokenCache::new(2);
        cache
            .validate(&validator(), &no_kid, &jwks_of(&[&key]), now())
            .unwrap();
        assert!(cache.is_empty());
        for i in 0..5 {
            let tok = at(&key, |c| {
                c.insert("jti".into(), json!(i));
            });
            cache
                .validate(&validator(), &tok, &jwks_of(&[&key]), now())
                .unwrap();
            assert!(cache.len() <= 2);
        }
    }
}
