//! DPoP on the client (RFC 9449): a client configured with a proof key
//! sends a proof with every token request (code, refresh, pushed request),
//! insists on DPoP-bound tokens, calls userinfo with the `DPoP` scheme and
//! a proof hashing the token, and retries a `use_dpop_nonce` refusal once.
mod common;
use std::sync::Arc;

use common::*;
use serde_json::{json, Value};
use sesame_core::client::{ClientConfig, Exchange as _, LoginExchange, Step};
use sesame_core::discovery::ProviderMetadata;
use sesame_core::dpop::{CheckedProof, ProofKey, ProofPolicy, DPOP_HEADER};
use sesame_core::error::{LoginError, ProviderError};
use sesame_core::jose::{Algorithm, SigningKey};
use sesame_core::login::LoginService;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::step::Outgoing;
use sesame_core::Secret;

/// The RFC 7515 A.3 key, as the client's proof key (its `d` is known, so
/// tests can look for it).
fn proof_key() -> ProofKey {
    ProofKey::from_signing_key(es256_key("dpop")).unwrap()
}

fn dpop_config() -> ClientConfig {
    ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
        .secret("s3cret")
        .dpop(proof_key())
}

fn dpop_client() -> sesame_core::client::Client {
    client_with(dpop_config())
}

fn token_endpoint() -> url::Url {
    format!("{ISSUER}/token").parse().unwrap()
}

fn userinfo_endpoint() -> url::Url {
    format!("{ISSUER}/userinfo").parse().unwrap()
}

fn proof_of(request: &http::Request<Vec<u8>>) -> String {
    let mut values = request.headers().get_all(DPOP_HEADER).iter();
    let proof = values.next().expect("a DPoP header").to_str().unwrap();
    assert!(values.next().is_none(), "exactly one proof");
    proof.to_owned()
}

/// Checks a request's proof as the provider would: method, URI, time,
/// `ath` for `access_token`, and the nonce when `nonce` is given.
fn check(
    request: &http::Request<Vec<u8>>,
    htu: &url::Url,
    access_token: Option<&str>,
    nonce: Option<&str>,
) -> CheckedProof {
    let mut policy = ProofPolicy::default();
    policy.require_nonce = nonce.is_some();
    policy
        .check(
            &proof_of(request),
            request.method(),
            htu,
            now(),
            access_token,
            |n| Some(n) == nonce,
        )
        .unwrap()
}

fn claims_of(proof: &str) -> serde_json::Map<String, Value> {
    let payload = proof.split('.').nth(1).unwrap();
    serde_json::from_slice(&sesame_core::base64url::decode(payload).unwrap()).unwrap()
}

fn op_key() -> SigningKey {
    rs256_key("op-1")
}

fn dpop_tokens(nonce: &str) -> http::Response<Vec<u8>> {
    let id_token = sign(&op_key(), &id_claims(nonce));
    json_response(
        200,
        json!({"access_token": "at-dpop", "token_type": "DPoP", "expires_in": 3600,
               "refresh_token": "rt-1", "id_token": id_token}),
    )
}

fn with_nonce(mut response: http::Response<Vec<u8>>, nonce: &str) -> http::Response<Vec<u8>> {
    response
        .headers_mut()
        .insert("dpop-nonce", nonce.parse().unwrap());
    response
}

fn nonce_refusal(nonce: &str) -> http::Response<Vec<u8>> {
    with_nonce(
        json_response(
            400,
            json!({"error": "use_dpop_nonce", "error_description": "Authorization server requires nonce in DPoP proof"}),
        ),
        nonce,
    )
}

fn userinfo_nonce_challenge(nonce: &str) -> http::Response<Vec<u8>> {
    let mut r = with_nonce(json_response(401, json!({})), nonce);
    r.headers_mut().insert(
        "www-authenticate",
        r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#
            .parse()
            .unwrap(),
    );
    r
}

fn sent(step: Step<sesame_core::client::Login>) -> Outgoing {
    match step {
        Step::Send(out) => out,
        other => panic!("expected a request, got {other:?}"),
    }
}

/// Feeds the token response and the keys: the exchange then calls userinfo.
fn to_userinfo(ex: &mut LoginExchange, token_response: http::Response<Vec<u8>>) -> Outgoing {
    let step = ex.on_response(token_response, now()).unwrap();
    let Step::NeedKeys(_) = step else {
        panic!("expected a key request, got {step:?}")
    };
    sent(ex.on_keys(&jwks_of(&[&op_key()]), now()).unwrap())
}

fn userinfo_ok() -> http::Response<Vec<u8>> {
    json_response(200, json!({"sub": "user-1", "email": "ada@example.com"}))
}

#[test]
fn the_authorization_request_names_the_key_thumbprint() {
    let s = start(dpop_client());
    assert_eq!(
        param(&s.url, "dpop_jkt").as_deref(),
        Some(proof_key().thumbprint())
    );
    // Without DPoP the parameter is absent.
    let plain = start(confidential_client());
    assert_eq!(param(&plain.url, "dpop_jkt"), None);
}

#[test]
fn the_token_request_carries_a_valid_proof_for_the_token_endpoint() {
    let s = start(dpop_client());
    let (_, req) = s.callback(&s.good_query()).unwrap();
    let r = &req.request;
    assert_eq!(r.method(), http::Method::POST);
    let checked = check(r, &token_endpoint(), None, None);
    assert_eq!(checked.jkt(), proof_key().thumbprint());
    let claims = claims_of(&proof_of(r));
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], token_endpoint().as_str());
    assert_eq!(claims["iat"], unix(now()));
    assert!(claims.get("ath").is_none(), "no ath at the token endpoint");
    assert!(claims.get("nonce").is_none());
    // Client authentication and the grant are as without DPoP.
    assert_eq!(r.headers()["authorization"], "Basic Y2xpZW50LTE6czNjcmV0");
    assert_eq!(form_param(r.body(), "code").as_deref(), Some("the-code"));
}

#[test]
fn a_client_without_dpop_sends_no_proof() {
    let s = start(confidential_client());
    let (_, req) = s.callback(&s.good_query()).unwrap();
    assert!(req.request.headers().get(DPOP_HEADER).is_none());
}

#[test]
fn proofs_of_two_logins_have_distinct_jtis() {
    let s = start(dpop_client());
    let (_, a) = s.callback(&s.good_query()).unwrap();
    let (_, b) = s.callback(&s.good_query()).unwrap();
    assert_ne!(
        claims_of(&proof_of(&a.request))["jti"],
        claims_of(&proof_of(&b.request))["jti"]
    );
}

#[test]
fn a_use_dpop_nonce_refusal_is_retried_once_with_the_nonce() {
    let s = start(dpop_client());
    let (mut ex, first) = s.callback(&s.good_query()).unwrap();
    let retry = sent(ex.on_response(nonce_refusal("n-1"), now()).unwrap());
    let r = &retry.request;
    assert_eq!(r.uri().to_string(), token_endpoint().as_str());
    let checked = check(r, &token_endpoint(), None, Some("n-1"));
    assert_eq!(checked.nonce(), Some("n-1"));
    assert_ne!(
        claims_of(&proof_of(r))["jti"],
        claims_of(&proof_of(&first.request))["jti"],
        "a fresh proof"
    );
    // The same grant, authenticated the same way.
    assert_eq!(r.body(), first.request.body());
    assert_eq!(
        r.headers()["authorization"],
        first.request.headers()["authorization"]
    );

    let userinfo = to_userinfo(&mut ex, dpop_tokens(&s.nonce));
    // The provider's nonce also goes to its userinfo endpoint (same origin).
    check(
        &userinfo.request,
        &userinfo_endpoint(),
        Some("at-dpop"),
        Some("n-1"),
    );
    let Step::Done(login) = ex.on_response(userinfo_ok(), now()).unwrap() else {
        panic!("login not done")
    };
    assert_eq!(login.tokens.token_type, "DPoP");
    assert_eq!(login.identity.id, "user-1");
}

#[test]
fn a_second_nonce_refusal_is_an_error() {
    let s = start(dpop_client());
    let (mut ex, _) = s.callback(&s.good_query()).unwrap();
    let _retry = sent(ex.on_response(nonce_refusal("n-1"), now()).unwrap());
    let e = ex.on_response(nonce_refusal("n-2"), now()).unwrap_err();
    assert!(
        matches!(&e, LoginError::Provider(ProviderError::TokenEndpoint { error, .. }) if error == "use_dpop_nonce"),
        "{e:?}"
    );
}

#[test]
fn a_nonce_refusal_without_a_nonce_is_not_retried() {
    let s = start(dpop_client());
    let (mut ex, _) = s.callback(&s.good_query()).unwrap();
    let refusal = json_response(400, json!({"error": "use_dpop_nonce"}));
    assert!(ex.on_response(refusal, now()).is_err());
}

#[test]
fn a_bearer_token_is_refused_when_dpop_is_on() {
    for token_type in [Some("Bearer"), Some("bearer"), None] {
        let s = start(dpop_client());
        let (mut ex, _) = s.callback(&s.good_query()).unwrap();
        let mut body = json!({"access_token": "at-1", "expires_in": 60});
        if let Some(t) = token_type {
            body["token_type"] = t.into();
        }
        let e = ex.on_response(json_response(200, body), now()).unwrap_err();
        assert_eq!(e, ProviderError::DpopNotBound.into(), "{token_type:?}");
        assert_eq!(e.status(), 502);
    }
}

#[test]
fn the_dpop_token_type_is_accepted_in_any_case_only_with_dpop() {
    let s = start(dpop_client());
    let (mut ex, _) = s.callback(&s.good_query()).unwrap();
    let mut body = json!({"access_token": "at-1", "token_type": "dpop"});
    body["id_token"] = sign(&op_key(), &id_claims(&s.nonce)).into();
    assert!(matches!(
        ex.on_response(json_response(200, body.clone()), now()),
        Ok(Step::NeedKeys(_))
    ));

    let plain = start(confidential_client());
    let (mut ex, _) = plain.callback(&plain.good_query()).unwrap();
    body["token_type"] = "DPoP".into();
    assert_eq!(
        ex.on_response(json_response(200, body), now()).unwrap_err(),
        ProviderError::UnsupportedTokenType.into()
    );
}

#[test]
fn userinfo_goes_with_the_dpop_scheme_and_a_proof_hashing_the_token() {
    let s = start(dpop_client());
    let (mut ex, _) = s.callback(&s.good_query()).unwrap();
    let userinfo = to_userinfo(&mut ex, dpop_tokens(&s.nonce));
    let r = &userinfo.request;
    assert_eq!(r.uri().to_string(), userinfo_endpoint().as_str());
    assert_eq!(r.headers()["authorization"], "DPoP at-dpop");
    let checked = check(r, &userinfo_endpoint(), Some("at-dpop"), None);
    assert_eq!(checked.jkt(), proof_key().thumbprint());
    assert_eq!(
        claims_of(&proof_of(r))["ath"],
        sesame_core::dpop::ath("at-dpop")
    );
    let Step::Done(login) = ex.on_response(userinfo_ok(), now()).unwrap() else {
        panic!("login not done")
    };
    assert_eq!(login.identity.email.as_deref(), Some("ada@example.com"));
}

#[test]
fn a_nonce_from_a_successful_token_response_goes_into_the_next_proof() {
    let s = start(dpop_client());
    let (mut ex, _) = s.callback(&s.good_query()).unwrap();
    let userinfo = to_userinfo(&mut ex, with_nonce(dpop_tokens(&s.nonce), "n-7"));
    check(
        &userinfo.request,
        &userinfo_endpoint(),
        Some("at-dpop"),
        Some("n-7"),
    );
}

#[test]
fn a_userinfo_nonce_challenge_is_retried_once() {
    let s = start(dpop_client());
    let (mut ex, _) = s.callback(&s.good_query()).unwrap();
    let first = to_userinfo(&mut ex, dpop_tokens(&s.nonce));
    let retry = sent(
        ex.on_response(userinfo_nonce_challenge("rs-1"), now())
            .unwrap(),
    );
    check(
        &retry.request,
        &userinfo_endpoint(),
        Some("at-dpop"),
        Some("rs-1"),
    );
    assert_ne!(proof_of(&retry.request), proof_of(&first.request));
    assert!(matches!(
        ex.on_response(userinfo_ok(), now()),
        Ok(Step::Done(_))
    ));

    // A second challenge is not retried: the provider refused the call
    // (here optional, as an OpenID provider's userinfo is: the login
    // completes from the ID token, as with any failed optional call).
    let s = start(dpop_client());
    let (mut ex, _) = s.callback(&s.good_query()).unwrap();
    to_userinfo(&mut ex, dpop_tokens(&s.nonce));
    sent(
        ex.on_response(userinfo_nonce_challenge("rs-1"), now())
            .unwrap(),
    );
    let Step::Done(login) = ex
        .on_response(userinfo_nonce_challenge("rs-2"), now())
        .unwrap()
    else {
        panic!("expected the end of the login, not a third request")
    };
    assert_eq!(login.identity.id, "user-1");
}

#[test]
fn refresh_requests_carry_a_proof_and_retry_a_nonce_refusal() {
    let client = dpop_client();
    let meta = Arc::new(metadata());
    let (mut ex, first) = client
        .refresh(meta, &Secret::new("rt-1"), None, now(), &rng())
        .unwrap();
    let checked = check(&first.request, &token_endpoint(), None, None);
    assert_eq!(checked.jkt(), proof_key().thumbprint());
    assert_eq!(
        form_param(first.request.body(), "grant_type").as_deref(),
        Some("refresh_token")
    );

    let Step::Send(retry) = ex.on_response(nonce_refusal("n-3"), now()).unwrap() else {
        panic!("expected the retry")
    };
    check(&retry.request, &token_endpoint(), None, Some("n-3"));
    assert_eq!(retry.request.body(), first.request.body());
    let answer = json_response(
        200,
        json!({"access_token": "at-2", "token_type": "DPoP", "expires_in": 60}),
    );
    let Step::Done(tokens) = ex.on_response(answer, now()).unwrap() else {
        panic!("refresh not done")
    };
    assert_eq!(tokens.token_type, "DPoP");
    assert_eq!(tokens.access_token.expose(), "at-2");

    // A refreshed bearer token is refused too.
    let (mut ex, _) = dpop_client()
        .refresh(
            Arc::new(metadata()),
            &Secret::new("rt-1"),
            None,
            now(),
            &rng(),
        )
        .unwrap();
    let bearer = json_response(200, json!({"access_token": "at-2", "token_type": "Bearer"}));
    assert_eq!(
        ex.on_response(bearer, now()).unwrap_err(),
        ProviderError::DpopNotBound.into()
    );
}

fn pushing_metadata() -> ProviderMetadata {
    let doc = json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{ISSUER}/authorize"),
        "token_endpoint": format!("{ISSUER}/token"),
        "jwks_uri": format!("{ISSUER}/jwks"),
        "pushed_authorization_request_endpoint": format!("{ISSUER}/par"),
        "authorization_response_iss_parameter_supported": true,
    });
    ProviderMetadata::from_json(ISSUER, doc.to_string().as_bytes()).unwrap()
}

#[test]
fn pushed_requests_carry_a_proof_and_retry_a_nonce_refusal() {
    let svc =
        LoginService::new(Sealer::new(SealingKey::from_bytes([4; 32]))).provider(dpop_client());
    let (mut start, step) = svc
        .begin("op", &pushing_metadata(), None, now(), &rng())
        .unwrap();
    let Step::Send(push) = step else {
        panic!("expected the pushed request")
    };
    let par: url::Url = format!("{ISSUER}/par").parse().unwrap();
    check(&push.request, &par, None, None);
    assert_eq!(
        form_param(push.request.body(), "dpop_jkt").as_deref(),
        Some(proof_key().thumbprint())
    );

    let Step::Send(retry) = start.on_response(nonce_refusal("p-1"), now()).unwrap() else {
        panic!("expected the retry")
    };
    check(&retry.request, &par, None, Some("p-1"));
    assert_eq!(retry.request.body(), push.request.body());
    let created = json_response(
        201,
        json!({"request_uri": "urn:ietf:params:oauth:request_uri:x", "expires_in": 60}),
    );
    let Step::Done(redirect) = start.on_response(created, now()).unwrap() else {
        panic!("expected the redirect")
    };
    assert!(redirect.location.as_str().contains("request_uri="));
}

#[test]
fn a_second_pushed_request_refusal_is_an_error() {
    let svc =
        LoginService::new(Sealer::new(SealingKey::from_bytes([4; 32]))).provider(dpop_client());
    let (mut start, _) = svc
        .begin("op", &pushing_metadata(), None, now(), &rng())
        .unwrap();
    let _ = start.on_response(nonce_refusal("p-1"), now()).unwrap();
    let e = start.on_response(nonce_refusal("p-2"), now()).unwrap_err();
    assert!(
        matches!(&e, LoginError::Provider(ProviderError::PushRefused { error, .. }) if error == "use_dpop_nonce"),
        "{e:?}"
    );
}

#[test]
fn the_proof_key_never_shows_in_debug_output() {
    let d = vectors()["a3_es256"]["jwk"]["d"]
        .as_str()
        .unwrap()
        .to_owned();
    let config = dpop_config();
    let (_, pkcs8) = ProofKey::generate_pkcs8(Algorithm::ES256).unwrap();
    let s = start(dpop_client());
    let (exchange, req) = s.callback(&s.good_query()).unwrap();
    let proof = proof_of(&req.request);
    let dumps = [
        format!("{config:?}"),
        format!("{:?}", dpop_client()),
        format!("{exchange:?}"),
        format!("{req:?}"),
        format!("{pkcs8:?}"),
    ];
    for dump in &dumps {
        assert!(!dump.contains(&d), "private key leaked in {dump}");
        assert!(!dump.contains(&proof), "proof leaked in {dump}");
        assert!(!dump.contains("the-code"), "code leaked in {dump}");
    }
    // What Debug shows: the algorithm and the thumbprint.
    assert!(dumps[0].contains(proof_key().thumbprint()));
}
