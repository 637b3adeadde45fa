//! DPoP proof checking (RFC 9449 §4.3): every attack gets its exact
//! refusal. Malicious proofs are signed by hand from hand-written JSON.
mod common;
use common::*;
use serde_json::{json, Value};
use sesame_core::dpop::{
    ath, proof_from_headers, DpopErrorCode, NonceSource, ProofKey, ProofPolicy, ProofRefusal,
};
use sesame_core::jose::{Algorithm, SigningKey};

const URI: &str = "https://server.example.com/token";

fn uri(s: &str) -> url::Url {
    s.parse().unwrap()
}

/// The RFC 7515 A.3 P-256 key: the attacker's own key, in hand-made proofs.
fn key() -> SigningKey {
    es256_key("attacker")
}

/// The public JWK of a key, as a proof header carries it.
fn public(key: &SigningKey) -> Value {
    let mut jwk = key.public_jwk().unwrap();
    let obj = jwk.as_object_mut().unwrap();
    for m in ["kid", "alg", "use"] {
        obj.remove(m);
    }
    jwk
}

fn header() -> Value {
    json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": public(&key())})
}

fn claims() -> Value {
    json!({"jti": "jti-1", "htm": "POST", "htu": URI, "iat": unix(now())})
}

fn forge_with(key: &SigningKey, header: &Value, claims: &Value) -> String {
    key.sign_parts(header.to_string().as_bytes(), claims.to_string().as_bytes())
        .unwrap()
}

fn forge(header: &Value, claims: &Value) -> String {
    forge_with(&key(), header, claims)
}

fn with(mut v: Value, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    f(v.as_object_mut().unwrap());
    v
}

/// The check a token endpoint runs (no access token, no nonces).
fn check(proof: &str) -> Result<(), ProofRefusal> {
    check_at(proof, &http::Method::POST, URI)
}

fn check_at(proof: &str, method: &http::Method, at: &str) -> Result<(), ProofRefusal> {
    ProofPolicy::default()
        .check(proof, method, &uri(at), now(), None, |_| false)
        .map(|_| ())
}

/// The check a resource server runs for a request carrying `token`.
fn check_with_token(proof: &str, token: &str) -> Result<(), ProofRefusal> {
    ProofPolicy::default()
        .check(
            proof,
            &http::Method::POST,
            &uri(URI),
            now(),
            Some(token),
            |_| false,
        )
        .map(|_| ())
}

fn check_nonce(proof: &str, current: &str) -> Result<(), ProofRefusal> {
    let mut policy = ProofPolicy::default();
    policy.require_nonce = true;
    policy
        .check(proof, &http::Method::POST, &uri(URI), now(), None, |n| {
            n == current
        })
        .map(|_| ())
}

#[test]
fn a_hand_made_proof_that_follows_every_rule_passes() {
    assert_eq!(check(&forge(&header(), &claims())), Ok(()));
}

// --- htm and htu ---

#[test]
fn a_proof_for_another_method_is_refused() {
    let proof = forge(&header(), &claims());
    assert_eq!(
        check_at(&proof, &http::Method::GET, URI),
        Err(ProofRefusal::MethodMismatch)
    );
    // The method compares exactly: "post" is not POST.
    let lower = forge(&header(), &with(claims(), |c| c["htm"] = json!("post")));
    assert_eq!(check(&lower), Err(ProofRefusal::MethodMismatch));
}

#[test]
fn a_proof_for_another_path_is_refused() {
    let proof = forge(&header(), &claims());
    for at in [
        "https://server.example.com/token/",
        "https://server.example.com/introspect",
        "https://server.example.com/Token",
    ] {
        assert_eq!(
            check_at(&proof, &http::Method::POST, at),
            Err(ProofRefusal::UriMismatch),
            "{at}"
        );
    }
}

#[test]
fn a_proof_for_another_host_scheme_or_port_is_refused() {
    let proof = forge(&header(), &claims());
    for at in [
        "https://evil.example.com/token",
        "https://server.example.com.evil.example/token",
        "http://server.example.com/token",
        "https://server.example.com:8443/token",
    ] {
        assert_eq!(
            check_at(&proof, &http::Method::POST, at),
            Err(ProofRefusal::UriMismatch),
            "{at}"
        );
    }
    let relative = forge(&header(), &with(claims(), |c| c["htu"] = json!("/token")));
    assert_eq!(check(&relative), Err(ProofRefusal::UriMismatch));
}

#[test]
fn query_and_fragment_differences_are_ignored() {
    let proof = forge(
        &header(),
        &with(claims(), |c| {
            c["htu"] = json!("https://server.example.com/token?a=1#x");
        }),
    );
    assert_eq!(
        check_at(
            &proof,
            &http::Method::POST,
            "https://server.example.com/token?b=2"
        ),
        Ok(())
    );
}

#[test]
fn scheme_host_and_default_port_are_normalised() {
    let proof = forge(
        &header(),
        &with(claims(), |c| {
            c["htu"] = json!("HTTPS://Server.Example.com:443/token");
        }),
    );
    assert_eq!(check(&proof), Ok(()));
    assert_eq!(
        check_at(
            &forge(&header(), &claims()),
            &http::Method::POST,
            "https://Server.example.com:443/token"
        ),
        Ok(())
    );
}

// --- iat ---

#[test]
fn a_stale_proof_is_refused() {
    let at = |iat: u64| forge(&header(), &with(claims(), |c| c["iat"] = json!(iat)));
    assert_eq!(check(&at(unix(now()) - 61)), Err(ProofRefusal::Stale));
    assert_eq!(check(&at(unix(now()) - 60)), Ok(()), "the window's edge");
    assert_eq!(check(&at(0)), Err(ProofRefusal::Stale));
}

#[test]
fn a_proof_from_the_future_is_refused() {
    let at = |iat: Value| forge(&header(), &with(claims(), |c| c["iat"] = iat));
    assert_eq!(
        check(&at(json!(unix(now()) + 6))),
        Err(ProofRefusal::FromTheFuture)
    );
    assert_eq!(check(&at(json!(unix(now()) + 5))), Ok(()), "the leeway");
    assert_eq!(
        check(&at(json!(u64::MAX))),
        Err(ProofRefusal::FromTheFuture)
    );
    assert_eq!(check(&at(json!(1e300))), Err(ProofRefusal::FromTheFuture));
    assert_eq!(
        check(&at(json!("now"))),
        Err(ProofRefusal::InvalidClaim("iat"))
    );
    assert_eq!(
        check(&at(json!(-1))),
        Err(ProofRefusal::InvalidClaim("iat"))
    );
}

#[test]
fn the_iat_window_is_configurable() {
    let mut policy = ProofPolicy::default();
    policy.max_age = secs(10);
    policy.leeway = secs(0);
    let run = |iat: u64| {
        let proof = forge(&header(), &with(claims(), |c| c["iat"] = json!(iat)));
        policy
            .check(&proof, &http::Method::POST, &uri(URI), now(), None, |_| {
                false
            })
            .map(|c| c.replay_ttl())
    };
    assert_eq!(run(unix(now()) - 11), Err(ProofRefusal::Stale));
    assert_eq!(run(unix(now()) + 1), Err(ProofRefusal::FromTheFuture));
    assert_eq!(run(unix(now()) - 10), Ok(secs(11)));
}

// --- ath ---

#[test]
fn a_proof_without_ath_is_refused_when_a_token_is_presented() {
    let proof = forge(&header(), &claims());
    assert_eq!(
        check_with_token(&proof, "token-1"),
        Err(ProofRefusal::AthMissing)
    );
}

#[test]
fn a_proof_for_another_token_is_refused() {
    let proof = forge(
        &header(),
        &with(claims(), |c| {
            drop(c.insert("ath".into(), json!(ath("token-2"))))
        }),
    );
    assert_eq!(
        check_with_token(&proof, "token-1"),
        Err(ProofRefusal::AthMismatch)
    );
    assert_eq!(check_with_token(&proof, "token-2"), Ok(()));
    // Without a token (the token endpoint), ath is not looked at.
    assert_eq!(check(&proof), Ok(()));
}

// --- the header ---

#[test]
fn a_private_key_in_the_header_is_refused() {
    let private = vectors()["a3_es256"]["jwk"].clone();
    assert!(private.get("d").is_some());
    let proof = forge(&with(header(), |h| h["jwk"] = private), &claims());
    assert_eq!(check(&proof), Err(ProofRefusal::PrivateKeyInHeader));

    for member in ["p", "q", "dp", "dq", "qi", "oth"] {
        let mut jwk = public(&key());
        jwk[member] = json!("AQAB");
        let proof = forge(&with(header(), |h| h["jwk"] = jwk), &claims());
        assert_eq!(
            check(&proof),
            Err(ProofRefusal::PrivateKeyInHeader),
            "{member}"
        );
    }
    let symmetric = json!({"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"});
    let proof = forge(&with(header(), |h| h["jwk"] = symmetric), &claims());
    assert_eq!(check(&proof), Err(ProofRefusal::PrivateKeyInHeader));
}

#[test]
fn an_unsigned_proof_is_refused() {
    let none = with(header(), |h| h["alg"] = json!("none"));
    let encode = |v: &Value| sesame_core::base64url::encode(v.to_string());
    let unsigned = format!("{}.{}.", encode(&none), encode(&claims()));
    assert_eq!(check(&unsigned), Err(ProofRefusal::AlgorithmNotAllowed));
    let with_sig = forge(&with(header(), |h| h["alg"] = json!("None")), &claims());
    assert_eq!(check(&with_sig), Err(ProofRefusal::AlgorithmNotAllowed));
}

#[test]
fn an_hmac_proof_is_refused_even_when_listed() {
    let hmac = SigningKey::hs256(b"a-shared-secret-a-shared-secret!", "h");
    let proof = forge_with(
        &hmac,
        &with(header(), |h| h["alg"] = json!("HS256")),
        &claims(),
    );
    assert_eq!(check(&proof), Err(ProofRefusal::AlgorithmNotAllowed));
    let mut policy = ProofPolicy::default();
    policy.algorithms.push(Algorithm::HS256);
    assert_eq!(
        policy
            .check(&proof, &http::Method::POST, &uri(URI), now(), None, |_| {
                false
            })
            .map(|_| ()),
        Err(ProofRefusal::AlgorithmNotAllowed)
    );
}

#[test]
fn an_algorithm_off_the_list_is_refused() {
    let mut policy = ProofPolicy::default();
    policy.algorithms = vec![Algorithm::EdDSA];
    let proof = forge(&header(), &claims());
    assert_eq!(
        policy
            .check(&proof, &http::Method::POST, &uri(URI), now(), None, |_| {
                false
            })
            .map(|_| ()),
        Err(ProofRefusal::AlgorithmNotAllowed)
    );
    let unknown = forge(&with(header(), |h| h["alg"] = json!("ES999")), &claims());
    assert_eq!(check(&unknown), Err(ProofRefusal::AlgorithmNotAllowed));
}

#[test]
fn a_proof_of_the_wrong_type_is_refused() {
    for typ in [
        json!("JWT"),
        json!("DPoP+JWT"),
        json!("dpop+jwt "),
        json!(1),
    ] {
        let proof = forge(&with(header(), |h| h["typ"] = typ.clone()), &claims());
        assert_eq!(check(&proof), Err(ProofRefusal::WrongType), "{typ}");
    }
    let untyped = forge(&with(header(), |h| drop(h.remove("typ"))), &claims());
    assert_eq!(check(&untyped), Err(ProofRefusal::WrongType));
}

#[test]
fn a_missing_or_unusable_key_is_refused() {
    let keyless = forge(&with(header(), |h| drop(h.remove("jwk"))), &claims());
    assert_eq!(check(&keyless), Err(ProofRefusal::InvalidKey));
    // An EC key cannot verify EdDSA.
    let mismatched = forge(&with(header(), |h| h["alg"] = json!("EdDSA")), &claims());
    assert_eq!(check(&mismatched), Err(ProofRefusal::InvalidKey));
    let broken = forge(
        &with(header(), |h| {
            h["jwk"] = json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"})
        }),
        &claims(),
    );
    assert_eq!(check(&broken), Err(ProofRefusal::InvalidKey));
}

#[test]
fn critical_header_extensions_are_refused() {
    let proof = forge(
        &with(header(), |h| drop(h.insert("crit".into(), json!(["exp"])))),
        &claims(),
    );
    assert_eq!(check(&proof), Err(ProofRefusal::Malformed));
}

// --- the signature ---

#[test]
fn an_altered_payload_breaks_the_signature() {
    let proof = forge(&header(), &claims());
    let mut parts: Vec<String> = proof.split('.').map(str::to_owned).collect();
    let altered = with(claims(), |c| {
        c["htu"] = json!("https://server.example.com/admin")
    });
    parts[1] = sesame_core::base64url::encode(altered.to_string());
    assert_eq!(
        check_at(
            &parts.join("."),
            &http::Method::POST,
            "https://server.example.com/admin"
        ),
        Err(ProofRefusal::BadSignature)
    );
}

#[test]
fn a_proof_signed_by_another_key_than_its_jwk_is_refused() {
    let victim = ProofKey::generate(Algorithm::ES256).unwrap();
    let proof = forge(
        &with(header(), |h| h["jwk"] = victim.public_jwk().clone()),
        &claims(),
    );
    assert_eq!(check(&proof), Err(ProofRefusal::BadSignature));
}

// --- claims ---

#[test]
fn a_proof_without_jti_is_refused() {
    let proof = forge(&header(), &with(claims(), |c| drop(c.remove("jti"))));
    assert_eq!(check(&proof), Err(ProofRefusal::MissingClaim("jti")));
    let long = forge(
        &header(),
        &with(claims(), |c| c["jti"] = json!("j".repeat(257))),
    );
    assert_eq!(check(&long), Err(ProofRefusal::InvalidClaim("jti")));
    let empty = forge(&header(), &with(claims(), |c| c["jti"] = json!("")));
    assert_eq!(check(&empty), Err(ProofRefusal::InvalidClaim("jti")));
    let number = forge(&header(), &with(claims(), |c| c["jti"] = json!(7)));
    assert_eq!(check(&number), Err(ProofRefusal::InvalidClaim("jti")));
}

#[test]
fn a_proof_without_htm_htu_or_iat_is_refused() {
    for name in ["htm", "htu", "iat"] {
        let proof = forge(&header(), &with(claims(), |c| drop(c.remove(name))));
        assert_eq!(
            check(&proof),
            Err(ProofRefusal::MissingClaim(name)),
            "{name}"
        );
    }
}

// --- nonces ---

#[test]
fn a_proof_without_the_required_nonce_is_refused() {
    let proof = forge(&header(), &claims());
    let refusal = check_nonce(&proof, "n-1").unwrap_err();
    assert_eq!(refusal, ProofRefusal::NonceRequired);
    assert_eq!(refusal.error_code(), DpopErrorCode::UseDpopNonce);
    assert_eq!(refusal.error_code().as_str(), "use_dpop_nonce");
}

#[test]
fn a_wrong_or_expired_nonce_is_refused() {
    let proof = forge(
        &header(),
        &with(claims(), |c| drop(c.insert("nonce".into(), json!("n-0")))),
    );
    let refusal = check_nonce(&proof, "n-1").unwrap_err();
    assert_eq!(refusal, ProofRefusal::NonceMismatch);
    assert_eq!(refusal.error_code(), DpopErrorCode::UseDpopNonce);
    assert_eq!(check_nonce(&proof, "n-0"), Ok(()));

    // A real source's nonce, ten minutes later.
    let source = NonceSource::new(&[9; 32], NonceSource::DEFAULT_PERIOD).unwrap();
    let old = source.current(now() - secs(600));
    let proof = forge(
        &header(),
        &with(claims(), |c| drop(c.insert("nonce".into(), json!(old)))),
    );
    let mut policy = ProofPolicy::default();
    policy.require_nonce = true;
    assert_eq!(
        policy
            .check(&proof, &http::Method::POST, &uri(URI), now(), None, |n| {
                source.accepts(n, now())
            })
            .map(|_| ()),
        Err(ProofRefusal::NonceMismatch)
    );
    let fresh = forge(
        &header(),
        &with(claims(), |c| {
            drop(c.insert("nonce".into(), json!(source.current(now()))))
        }),
    );
    let checked = policy
        .check(&fresh, &http::Method::POST, &uri(URI), now(), None, |n| {
            source.accepts(n, now())
        })
        .unwrap();
    assert_eq!(checked.nonce(), Some(source.current(now()).as_str()));
}

// --- form and size ---

#[test]
fn two_proofs_are_refused() {
    let a = forge(&header(), &claims());
    let b = forge(&header(), &with(claims(), |c| c["jti"] = json!("jti-2")));
    assert_eq!(check(&format!("{a},{b}")), Err(ProofRefusal::Malformed));
    assert_eq!(check(&format!("{a}, {b}")), Err(ProofRefusal::Malformed));
    assert_eq!(check(&format!("{a} {b}")), Err(ProofRefusal::Malformed));
    assert_eq!(check(&format!(" {a}")), Err(ProofRefusal::Malformed));
    assert_eq!(check(&format!("{a}\t")), Err(ProofRefusal::Malformed));

    let mut headers = http::HeaderMap::new();
    headers.append("DPoP", a.parse().unwrap());
    assert_eq!(proof_from_headers(&headers), Ok(Some(a.as_str())));
    headers.append("dpop", b.parse().unwrap());
    assert_eq!(proof_from_headers(&headers), Err(ProofRefusal::Malformed));
}

#[test]
fn malformed_proofs_are_refused() {
    let encode = |v: &str| sesame_core::base64url::encode(v);
    let good = forge(&header(), &claims());
    let sig = good.rsplit('.').next().unwrap().to_owned();
    for bad in [
        String::new(),
        "a.b".into(),
        "a.b.c.d".into(),
        format!("{good}.x"),
        format!(".{}.{sig}", encode("{}")),
        format!("{}.{}.{sig}", encode("not json"), encode("{}")),
        format!("{}.{}.{sig}", encode("[1]"), encode("{}")),
        "é.b.c".into(),
        format!("{good}="),
    ] {
        assert_eq!(check(&bad), Err(ProofRefusal::Malformed), "{bad}");
    }
    // Claims that are not a JSON object, signed correctly.
    let array = key()
        .sign_parts(header().to_string().as_bytes(), b"[1,2]")
        .unwrap();
    assert_eq!(check(&array), Err(ProofRefusal::Malformed));
}

#[test]
fn an_oversize_proof_is_refused() {
    let big = forge(
        &header(),
        &with(claims(), |c| {
            drop(c.insert("pad".into(), json!("x".repeat(8 * 1024))))
        }),
    );
    assert!(big.len() > 8 * 1024);
    assert_eq!(check(&big), Err(ProofRefusal::TooLarge));
    let mut policy = ProofPolicy::default();
    policy.max_len = 64 * 1024;
    assert!(policy
        .check(&big, &http::Method::POST, &uri(URI), now(), None, |_| false)
        .is_ok());
}

#[test]
fn proof_refusals_other_than_nonces_are_invalid_dpop_proof() {
    for r in [
        ProofRefusal::TooLarge,
        ProofRefusal::Malformed,
        ProofRefusal::WrongType,
        ProofRefusal::AlgorithmNotAllowed,
        ProofRefusal::InvalidKey,
        ProofRefusal::PrivateKeyInHeader,
        ProofRefusal::BadSignature,
        ProofRefusal::MissingClaim("jti"),
        ProofRefusal::InvalidClaim("jti"),
        ProofRefusal::MethodMismatch,
        ProofRefusal::UriMismatch,
        ProofRefusal::Stale,
        ProofRefusal::FromTheFuture,
        ProofRefusal::AthMissing,
        ProofRefusal::AthMismatch,
    ] {
        assert_eq!(r.error_code(), DpopErrorCode::InvalidDpopProof, "{r}");
        assert_eq!(r.error_code().to_string(), "invalid_dpop_proof");
    }
}

#[test]
fn refusals_are_answered_with_a_dpop_challenge() {
    let policy = ProofPolicy::default();
    assert_eq!(
        policy.refusal_challenge(&ProofRefusal::Stale).to_string(),
        r#"DPoP error="invalid_dpop_proof", error_description="dpop proof too old", algs="ES256 EdDSA RS256 PS256""#
    );
    let value = policy
        .refusal_challenge(&ProofRefusal::NonceMismatch)
        .header_value();
    assert!(value
        .to_str()
        .unwrap()
        .starts_with(r#"DPoP error="use_dpop_nonce""#));
    assert_eq!(
        policy.challenge().to_string(),
        r#"DPoP algs="ES256 EdDSA RS256 PS256""#
    );
}
