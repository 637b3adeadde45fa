//! Property tests: no input — garbled JWTs, hostile JWKS, truncated cookies,
//! huge or non-UTF-8 parameters, arbitrary provider responses — panics.
mod common;
use common::*;
use proptest::prelude::*;
use sesame_core::client::Exchange as _;
use sesame_core::client::{CallbackParams, PendingLogin, Step};
use sesame_core::discovery::ProviderMetadata;
use sesame_core::jose::{verify, Algorithm, Header, JwkSet};
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::tokens::parse_token_response;

fn jwt_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,90}",
        (any::<String>(), any::<String>()).prop_map(|(h, p)| {
            use base64::Engine;
            let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            format!("{}.{}.{}", e.encode(h), e.encode(p), e.encode("sig"))
        }),
        prop::sample::select(vec![
            r#"{"alg":"ES256","kid":"k1"}"#,
            r#"{"alg":"RS256"}"#,
            r#"{"alg":5}"#,
            r#"{"alg":"EdDSA","kid":[]}"#,
            "[]",
            "null",
        ])
        .prop_flat_map(|h| any::<Vec<u8>>().prop_map(move |sig| {
            use base64::Engine;
            let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            format!(
                "{}.{}.{}",
                e.encode(h),
                e.encode(r#"{"sub":1}"#),
                e.encode(sig)
            )
        })),
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "[a-zA-Z0-9_-]{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "kty",
                    "crv",
                    "x",
                    "y",
                    "n",
                    "e",
                    "kid",
                    "alg",
                    "use",
                    "key_ops",
                    "keys",
                    "access_token",
                    "token_type",
                    "expires_in",
                    "scope",
                    "error",
                    "id_token",
                    "issuer",
                    "sub"
                ])
                .prop_map(String::from),
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn jws_verify_and_peek(token in jwt_like()) {
        let keys = jwks_of(&[&es256_key("k1")]);
        let _ = verify(&token, &keys, Algorithm::ASYMMETRIC);
        let _ = Header::peek(&token);
    }

    #[test]
    fn jwks_parse(doc in json_value(), raw in any::<Vec<u8>>()) {
        let _ = JwkSet::parse(doc.to_string().as_bytes());
        let _ = JwkSet::parse(serde_json::json!({"keys": [doc]}).to_string().as_bytes());
        let _ = JwkSet::parse(&raw);
    }

    #[test]
    fn sealed_cookie_open(s in any::<String>(), cut in 0usize..200) {
        let sealer = Sealer::new(SealingKey::from_bytes([1; 32]));
        let _ = PendingLogin::open(&sealer, Some(&s), now());
        let real = sealer.seal("sesame/login/v1", b"{}", now(), &rng()).unwrap();
        let cut = cut.min(real.len());
        let _ = PendingLogin::open(&sealer, Some(&real[..cut]), now());
    }

    #[test]
    fn callback_params(raw in any::<Vec<u8>>(), text in "[a-z=&%0-9A-F+]{0,200}") {
        let _ = CallbackParams::from_form(&raw);
        let _ = CallbackParams::from_query(&text);
    }

    #[test]
    fn token_and_metadata_responses(status in 100u16..600, doc in json_value(), raw in any::<Vec<u8>>()) {
        let r = http::Response::builder().status(status).body(doc.to_string().into_bytes()).unwrap();
        let _ = parse_token_response(&r, now(), &[]);
        let r2 = http::Response::builder().status(status).body(raw.clone()).unwrap();
        let _ = parse_token_response(&r2, now(), &[]);
        let _ = ProviderMetadata::from_json(ISSUER, doc.to_string().as_bytes());
        let _ = ProviderMetadata::from_json(ISSUER, &raw);
    }

    #[test]
    fn whole_flow_with_arbitrary_callbacks_and_responses(
        query in "[a-z_=&%0-9A-Za-z+.-]{0,120}",
        token_body in json_value(),
        userinfo in json_value(),
        id_token in jwt_like(),
    ) {
        let s = start(confidential_client());
        let _ = s.callback(&query);
        let Ok((mut ex, _)) = s.callback(&s.good_query()) else { return Ok(()) };
        let mut body = token_body;
        if let Some(obj) = body.as_object_mut() {
            obj.insert("id_token".into(), id_token.into());
        }
        let keys = jwks_of(&[&es256_key("k1")]);
        let mut step = match ex.on_response(json_response(200, body), now()) { Ok(s) => s, Err(_) => return Ok(()) };
        for _ in 0..5 {
            step = match step {
                Step::Send(_) => match ex.on_response(json_response(200, userinfo.clone()), now()) { Ok(s) => s, Err(_) => break },
                Step::NeedKeys(_) => match ex.on_keys(&keys, now()) { Ok(s) => s, Err(_) => break },
                Step::Done(_) => break,
            };
        }
    }

    #[test]
    fn dpop_proofs_and_htu(proof in jwt_like(), claims in json_value(), htu in any::<String>(), jwk in json_value()) {
        use sesame_core::dpop::{htu_matches, thumbprint, ProofPolicy};
        let at: url::Url = "https://api.example/x".parse().unwrap();
        let policy = ProofPolicy::default();
        let _ = policy.check(&proof, &http::Method::GET, &at, now(), Some("t"), |_| true);
        // A correctly signed proof with arbitrary claims reaches every claim rule.
        let mut key_jwk = es256_key("k").public_jwk().unwrap();
        key_jwk.as_object_mut().unwrap().remove("kid");
        let header = serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key_jwk});
        let signed = es256_key("k")
            .sign_parts(header.to_string().as_bytes(), claims.to_string().as_bytes())
            .unwrap();
        let mut strict = ProofPolicy::default();
        strict.require_nonce = true;
        let _ = strict.check(&signed, &http::Method::GET, &at, now(), Some("t"), |_| true);
        let _ = htu_matches(&htu, &at);
        let _ = thumbprint(&jwk);
    }
}
