//! `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): the token
//! request carries a signed assertion and no secret; its claims are the
//! ones a strict server checks.
mod common;
use common::*;
use sesame_core::client::{ClientConfig, CLIENT_ASSERTION_TYPE};
use sesame_core::jose::Algorithm;
use sesame_core::provider::ClientAuth;

#[test]
fn the_token_request_carries_a_signed_assertion_and_no_secret() {
    let client = client_with(
        ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
            .private_key_jwt(es256_key("client-key-1")),
    );
    assert_eq!(client.auth_method(&metadata()), ClientAuth::PrivateKeyJwt);
    let s = start(client);
    let (_, first) = s.callback(&s.good_query()).unwrap();
    let req = first.request;
    assert!(
        req.headers().get("authorization").is_none(),
        "no Basic header"
    );
    let body = req.body().as_slice();
    assert_eq!(
        form_param(body, "client_assertion_type").unwrap(),
        CLIENT_ASSERTION_TYPE
    );
    assert!(form_param(body, "client_secret").is_none());
    assert_eq!(form_param(body, "client_id").unwrap(), CLIENT_ID);
    let assertion = form_param(body, "client_assertion").unwrap();

    // Signed by the client's key, verifiable with its public JWK.
    let keys = jwks_of(&[&es256_key("client-key-1")]);
    let verified = sesame_core::jose::verify(&assertion, &keys, &[Algorithm::ES256]).unwrap();
    assert_eq!(verified.header.kid.as_deref(), Some("client-key-1"));
    let claims = verified.claims().unwrap();
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    assert_eq!(claims["aud"], ISSUER, "the issuer identifier (RFC 7523bis)");
    let iat = claims["iat"].as_u64().unwrap();
    assert_eq!(iat, unix(now()));
    assert_eq!(claims["exp"].as_u64().unwrap(), iat + 60);
    let jti = claims["jti"].as_str().unwrap().to_owned();
    assert!(jti.len() >= 32);

    // Another request (another code) has another jti.
    let (_, again) = s
        .callback(&s.good_query().replace("the-code", "another-code"))
        .unwrap();
    let other = form_param(again.request.body(), "client_assertion").unwrap();
    let other = sesame_core::jose::unverified_claims(&other).unwrap();
    assert_ne!(other["jti"].as_str().unwrap(), jti);
}

#[test]
fn the_key_never_shows_in_debug_output() {
    let config =
        ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()).private_key_jwt(rs256_key("k-rsa"));
    let debug = format!("{config:?}");
    assert!(debug.contains("PrivateKey(k-rsa)"), "{debug}");
    assert!(!debug.contains("\"d\""));
}
