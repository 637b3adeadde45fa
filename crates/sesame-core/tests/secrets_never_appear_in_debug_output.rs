mod common;
use common::*;
use serde_json::json;
use sesame_core::client::Exchange as _;
use sesame_core::client::{CallbackParams, ClientConfig, Step};
use sesame_core::seal::SealingKey;
use sesame_core::Secret;

#[test]
fn debug_and_display_redact_secrets() {
    let s = start(confidential_client());
    let verifier_hint = param(&s.url, "code_challenge").unwrap();
    let (exchange, req) = s.callback(&s.good_query()).unwrap();
    let verifier = form_param(req.request.body(), "code_verifier").unwrap();

    let key = es256_key("k1");
    let login = drive(
        exchange,
        req,
        op_answers(
            Some(sign(&key, &id_claims(&s.nonce))),
            json!({"sub": "user-1"}),
        ),
        |_| jwks_of(&[&key]),
    )
    .unwrap();

    let dumps = [
        format!("{:?}", login.tokens),
        format!("{:?}", s.pending),
        format!("{:?}", confidential_client()),
        format!(
            "{:?}",
            ClientConfig::new("c", REDIRECT.parse().unwrap()).secret("s3cret")
        ),
        format!(
            "{:?}",
            CallbackParams::from_query("code=the-code&state=x").unwrap()
        ),
        format!("{:?}", SealingKey::from_bytes([5; 32])),
        format!("{} {:?}", Secret::new("s3cret"), Secret::new("s3cret")),
        format!(
            "{:?}",
            Step::<()>::Send(s.callback(&s.good_query()).unwrap().1)
        ),
    ];
    for d in &dumps {
        for secret in [
            "at-123",
            "rt-1",
            "s3cret",
            "the-code",
            verifier.as_str(),
            s.state.as_str(),
            s.nonce.as_str(),
        ] {
            assert!(!d.contains(secret), "{secret} leaked in {d}");
        }
        assert!(!d.contains(&verifier_hint[..10]) || d.contains("code_challenge"));
        assert!(
            !d.contains("BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU"),
            "cookie key leaked"
        );
    }
}

#[test]
fn errors_carry_no_secrets() {
    let s = start(confidential_client());
    let (mut ex, _) = s.callback(&s.good_query()).unwrap();
    let e = ex
        .on_response(
            json_response(
                400,
                json!({"error": "invalid_client", "error_description": "bad"}),
            ),
            now(),
        )
        .unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains("s3cret") && !text.contains("the-code"));
}

#[test]
fn dpop_keys_and_nonce_secrets_are_redacted() {
    use sesame_core::dpop::{NonceSource, ProofKey};
    let d = vectors()["a3_es256"]["jwk"]["d"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = ProofKey::from_signing_key(es256_key("k1")).unwrap();
    let (_, pkcs8) = ProofKey::generate_pkcs8(sesame_core::jose::Algorithm::ES256).unwrap();
    let nonces = NonceSource::new(
        b"0123456789abcdef0123456789abcdef",
        NonceSource::DEFAULT_PERIOD,
    )
    .unwrap();
    let dumps = [
        format!("{key:?}"),
        format!("{pkcs8:?}"),
        format!("{nonces:?}"),
    ];
    for dump in &dumps {
        assert!(!dump.contains(&d), "private key leaked in {dump}");
        assert!(
            !dump.contains("0123456789abcdef"),
            "nonce secret leaked in {dump}"
        );
        assert!(
            !dump.contains(&format!("{:?}", pkcs8.expose())[..20]),
            "{dump}"
        );
    }
}

#[test]
fn a_configured_dpop_key_never_shows_in_debug_output() {
    // The RFC 7515 A.3 key: its private scalar `d` is known.
    let d = vectors()["a3_es256"]["jwk"]["d"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = sesame_core::dpop::ProofKey::from_signing_key(es256_key("dpop")).unwrap();
    let jkt = key.thumbprint().to_owned();
    let config = ClientConfig::new("c", REDIRECT.parse().unwrap()).dpop(key);
    for dump in [format!("{config:?}"), format!("{:?}", client_with(config))] {
        assert!(!dump.contains(&d), "dpop key leaked in {dump}");
        assert!(dump.contains(&jkt), "the thumbprint names the key: {dump}");
    }
}
