//! ID tokens and bearer JWTs are checked on a typed read of their
//! registered claims; the full claim set is parsed only when asked for.
//! Whatever the fast path, a payload is one JSON object, read once, with
//! the same answers as a full parse.
mod common;
use common::*;
use serde_json::{json, Map, Value};
use sesame_core::idtoken::{IdTokenError, IdTokenValidator};
use sesame_core::jose::{Claims, SigningKey};
use sesame_core::resource::{BearerError, BearerValidator, TrustedIssuer};

const API: &str = "https://api.example";

fn id_token(key: &SigningKey, payload: &str) -> String {
    key.sign_parts(
        br#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#,
        payload.as_bytes(),
    )
    .unwrap()
}

fn validate_id(payload: &str) -> Result<sesame_core::idtoken::IdTokenClaims, IdTokenError> {
    let key = es256_key("k1");
    IdTokenValidator::new(ISSUER, CLIENT_ID)
        .nonce("n-1")
        .validate(&id_token(&key, payload), &jwks_of(&[&key]), now(), None)
}

fn bearer(payload: &str) -> Result<sesame_core::resource::AccessClaims, BearerError> {
    let key = es256_key("k1");
    let token = key
        .sign_parts(
            br#"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#,
            payload.as_bytes(),
        )
        .unwrap();
    BearerValidator::new()
        .issuer(TrustedIssuer::new(
            ISSUER,
            "https://op.example/jwks".parse().unwrap(),
            API,
        ))
        .validate(&token, &jwks_of(&[&key]), now())
}

fn id_payload(extra: &str) -> String {
    let t = unix(now());
    format!(
        r#"{{"iss":"{ISSUER}","sub":"user-1","aud":"{CLIENT_ID}","exp":{},"iat":{t},"nonce":"n-1"{extra}}}"#,
        t + 300
    )
}

fn at_payload(extra: &str) -> String {
    let t = unix(now());
    format!(
        r#"{{"iss":"{ISSUER}","sub":"u1","aud":"{API}","exp":{},"iat":{t}{extra}}}"#,
        t + 300
    )
}

#[test]
fn the_claims_are_those_of_a_full_parse() {
    let payload = id_payload(r#","email":"ada@example.com","groups":["a","b"],"n":{"x":1.5}"#);
    let c = validate_id(&payload).unwrap();
    let full: Map<String, Value> = serde_json::from_str(&payload).unwrap();
    assert_eq!(*c.claims, full);
    assert_eq!(c.claims["groups"][1], "b");
    #[derive(serde::Deserialize)]
    struct Mine {
        email: String,
        n: Value,
    }
    let mine: Mine = c.claims.deserialize().unwrap();
    assert_eq!(
        (mine.email.as_str(), &mine.n),
        ("ada@example.com", &json!({"x": 1.5}))
    );
    // A copy can be edited like a map.
    let mut edited = c.claims.clone();
    edited.insert("role".into(), json!("admin"));
    assert_eq!(edited.len(), full.len() + 1);
    assert_eq!(c.claims.len(), full.len());
    assert_eq!(Map::from(edited.clone())["role"], "admin");
    assert_eq!(Claims::from(full.clone()), Claims::from(full));
}

#[test]
fn an_array_with_the_right_values_in_order_is_not_claims() {
    let t = unix(now());
    let payload = format!(r#"["{ISSUER}","user-1","{CLIENT_ID}",{},{t}]"#, t + 300);
    assert_eq!(
        validate_id(&payload).unwrap_err(),
        IdTokenError::MalformedClaims
    );
    assert_eq!(
        bearer(&payload).unwrap_err(),
        BearerError::InvalidToken("malformed")
    );
    assert_eq!(
        validate_id("  \"text\"").unwrap_err(),
        IdTokenError::MalformedClaims
    );
}

#[test]
fn a_registered_claim_given_twice_is_refused() {
    let twice = id_payload(r#","iss":"https://evil.example""#);
    assert_eq!(
        validate_id(&twice).unwrap_err(),
        IdTokenError::MalformedClaims
    );
    let twice = at_payload(r#","sub":"admin""#);
    assert_eq!(
        bearer(&twice).unwrap_err(),
        BearerError::InvalidToken("malformed")
    );
}

#[test]
fn escaped_strings_compare_as_their_text() {
    let t = unix(now());
    let escaped = ISSUER.replace('/', "\\/");
    let payload = format!(
        r#"{{"iss":"{escaped}","sub":"user\u002d1","aud":["{CLIENT_ID}"],"exp":{},"iat":{t},"nonce":"n-1"}}"#,
        t + 300
    );
    let c = validate_id(&payload).unwrap();
    assert_eq!((c.issuer.as_str(), c.subject.as_str()), (ISSUER, "user-1"));
}

#[test]
fn id_token_claims_of_the_wrong_type_are_malformed() {
    for (claim, value) in [
        ("iss", "5"),
        ("sub", "[\"user-1\"]"),
        ("aud", "{\"a\":1}"),
        ("exp", "\"soon\""),
        ("iat", "-1"),
        ("nbf", "1e300"),
        ("nonce", "true"),
        ("azp", "{}"),
    ] {
        let mut map: Map<String, Value> = serde_json::from_str(&id_payload("")).unwrap();
        map.insert(claim.into(), serde_json::from_str(value).unwrap());
        let payload = serde_json::to_string(&map).unwrap();
        assert_eq!(
            validate_id(&payload).unwrap_err(),
            IdTokenError::MalformedClaims,
            "{claim}: {value}"
        );
    }
    // An audience list must hold strings only.
    let payload = id_payload("").replace(
        &format!("\"aud\":\"{CLIENT_ID}\""),
        &format!("\"aud\":[\"{CLIENT_ID}\",7]"),
    );
    assert_eq!(
        validate_id(&payload).unwrap_err(),
        IdTokenError::MalformedClaims
    );
    // null is absent.
    let payload = id_payload(r#","nbf":null,"azp":null"#);
    assert!(validate_id(&payload).is_ok());
}

#[test]
fn bearer_claims_of_another_type_are_read_as_absent() {
    let c = bearer(&at_payload(
        r#","client_id":7,"scope":["a",1,"b"],"cnf":"x""#,
    ))
    .unwrap();
    assert_eq!(c.client_id, None);
    assert_eq!(c.scopes, ["a", "b"]);
    assert!(!c.is_key_bound());
    let c = bearer(&at_payload(r#","scp":"read write","cnf":{"jkt":"abc"}"#)).unwrap();
    assert_eq!(c.scopes, ["read", "write"]);
    assert!(c.is_key_bound());
    assert_eq!(
        bearer(&at_payload(r#","nbf":"later""#)).unwrap_err(),
        BearerError::InvalidToken("dates")
    );
    assert_eq!(
        bearer(&at_payload("").replace(&format!("\"iss\":\"{ISSUER}\""), "\"iss\":1")).unwrap_err(),
        BearerError::InvalidToken("no issuer")
    );
    assert_eq!(
        bearer(&at_payload("").replace(&format!("\"aud\":\"{API}\""), "\"aud\":[1,2]"))
            .unwrap_err(),
        BearerError::InvalidToken("audience")
    );
}
