//! DPoP at the protected API (RFC 9449 §7): a bound token passes only with
//! a fresh proof of its key for this very request, each refusal with its
//! exact `WWW-Authenticate: DPoP` answer.
mod common;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use common::*;
use serde_json::json;
use sesame_core::dpop::{cnf_claim, NonceSource, ProofKey, ProofRefusal};
use sesame_core::jose::Algorithm;
use sesame_core::random::SeededRandom;
use sesame_core::resource::{
    AccessClaims, BearerError, BearerPolicy, BearerValidator, DpopMode, Guard, Introspector,
    TrustedIssuer,
};
use sesame_core::step::{Exchange, Outgoing, Step};

const API: &str = "https://api.example";
const ALGS: &str = r#"algs="ES256 EdDSA RS256 PS256""#;

fn validator() -> BearerValidator {
    BearerValidator::new().issuer(TrustedIssuer::with_static_keys(
        ISSUER,
        jwks_of(&[&es256_key("k1")]),
        API,
    ))
}

/// DPoP allowed next to Bearer, behind a proxy whose public origin is `API`.
fn policy() -> BearerPolicy {
    BearerPolicy::new(validator())
        .dpop(DpopMode::Allowed)
        .public_origin(API.parse().unwrap())
}

/// An access token from the trusted issuer, bound to `jkt` if given.
fn token(jkt: Option<&str>) -> String {
    let t = unix(now());
    let mut c = json!({"iss": ISSUER, "sub": "u1", "aud": API, "exp": t + 300, "iat": t,
        "client_id": "c", "scope": "api:read"})
    .as_object()
    .cloned()
    .unwrap();
    if let Some(jkt) = jkt {
        c.insert("cnf".into(), cnf_claim(jkt));
    }
    es256_key("k1").sign_claims(Some("at+jwt"), &c).unwrap()
}

fn url(path: &str) -> url::Url {
    format!("{API}{path}").parse().unwrap()
}

/// A proof with a fresh `jti` each time.
fn proof(
    key: &ProofKey,
    method: http::Method,
    htu: &url::Url,
    at: SystemTime,
    token: Option<&str>,
    nonce: Option<&str>,
) -> String {
    static SEED: AtomicU64 = AtomicU64::new(1);
    let rng = SeededRandom::new(SEED.fetch_add(1, Ordering::Relaxed));
    key.proof(&method, htu, at, &rng, token, nonce).unwrap()
}

/// `GET /orders?page=2` as the app behind the proxy sees it.
fn request(authorization: &str, proofs: &[&str]) -> http::request::Parts {
    let mut b = http::Request::get("/orders?page=2")
        .header("host", "internal:8080")
        .header("authorization", authorization);
    for p in proofs {
        b = b.header("dpop", *p);
    }
    b.body(()).unwrap().into_parts().0
}

fn run(policy: &BearerPolicy, parts: &http::request::Parts) -> Result<AccessClaims, BearerError> {
    run_guarded(policy, parts, &Guard::new())
}

fn run_guarded(
    policy: &BearerPolicy,
    parts: &http::request::Parts,
    guard: &Guard,
) -> Result<AccessClaims, BearerError> {
    match policy.check_parts(parts, guard, now())? {
        (_, Step::Done(claims)) => Ok(claims),
        (_, step) => panic!("static keys need nothing fetched: {step:?}"),
    }
}

/// The `WWW-Authenticate` values of the policy's answer, and its status.
fn answer(policy: &BearerPolicy, e: &BearerError) -> (u16, Vec<String>) {
    let r = policy.refusal(e);
    let www = r
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    (r.status().as_u16(), www)
}

fn dpop_challenge(error: &str) -> Vec<String> {
    vec![format!(r#"DPoP error="{error}", {ALGS}"#)]
}

/// A client key and a token bound to it.
fn client() -> (ProofKey, String) {
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let at = token(Some(key.thumbprint()));
    (key, at)
}

#[test]
fn a_bound_token_with_its_proof_passes_and_returns_the_claims() {
    let (key, at) = client();
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let claims = run(&policy(), &request(&format!("DPoP {at}"), &[&p])).unwrap();
    assert_eq!(
        (claims.subject.as_str(), claims.client_id.as_deref()),
        ("u1", Some("c"))
    );
    assert_eq!(claims.scopes, ["api:read"]);
    assert_eq!(claims.claims["cnf"]["jkt"], key.thumbprint());
    // The scheme is case-insensitive, like `Bearer`.
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    assert!(run(&policy(), &request(&format!("dpop {at}"), &[&p])).is_ok());
}

#[test]
fn a_missing_proof_is_an_invalid_dpop_proof() {
    let (_, at) = client();
    let e = run(&policy(), &request(&format!("DPoP {at}"), &[])).unwrap_err();
    assert_eq!(e, BearerError::InvalidDpopProof(ProofRefusal::Missing));
    assert_eq!(
        answer(&policy(), &e),
        (401, dpop_challenge("invalid_dpop_proof"))
    );
}

#[test]
fn two_proof_headers_are_refused() {
    let (key, at) = client();
    let p1 = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let p2 = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let e = run(&policy(), &request(&format!("DPoP {at}"), &[&p1, &p2])).unwrap_err();
    assert_eq!(e, BearerError::InvalidDpopProof(ProofRefusal::Malformed));
    assert_eq!(
        answer(&policy(), &e),
        (401, dpop_challenge("invalid_dpop_proof"))
    );
}

#[test]
fn a_proof_for_another_method_or_uri_is_refused() {
    let (key, at) = client();
    let auth = format!("DPoP {at}");
    let post = proof(
        &key,
        http::Method::POST,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    assert_eq!(
        run(&policy(), &request(&auth, &[&post])).unwrap_err(),
        BearerError::InvalidDpopProof(ProofRefusal::MethodMismatch)
    );
    for other in [
        url("/invoices"),
        "https://other.example/orders".parse().unwrap(),
        // The internal address the app sees is not the public origin.
        "http://internal:8080/orders".parse().unwrap(),
    ] {
        let p = proof(&key, http::Method::GET, &other, now(), Some(&at), None);
        let e = run(&policy(), &request(&auth, &[&p])).unwrap_err();
        assert_eq!(
            e,
            BearerError::InvalidDpopProof(ProofRefusal::UriMismatch),
            "{other}"
        );
        assert_eq!(
            answer(&policy(), &e),
            (401, dpop_challenge("invalid_dpop_proof"))
        );
    }
}

#[test]
fn without_a_public_origin_the_uri_comes_from_the_host_header() {
    let (key, at) = client();
    let policy = BearerPolicy::new(validator()).dpop(DpopMode::Allowed);
    let internal: url::Url = "http://internal:8080/orders".parse().unwrap();
    let p = proof(&key, http::Method::GET, &internal, now(), Some(&at), None);
    assert!(run(&policy, &request(&format!("DPoP {at}"), &[&p])).is_ok());
}

#[test]
fn a_stale_proof_is_refused() {
    let (key, at) = client();
    let old = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now() - secs(120),
        Some(&at),
        None,
    );
    let e = run(&policy(), &request(&format!("DPoP {at}"), &[&old])).unwrap_err();
    assert_eq!(e, BearerError::InvalidDpopProof(ProofRefusal::Stale));
    assert_eq!(
        answer(&policy(), &e),
        (401, dpop_challenge("invalid_dpop_proof"))
    );
}

#[test]
fn a_proof_hashing_another_token_is_refused() {
    let (key, at) = client();
    let other = token(Some(key.thumbprint())) + "x";
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&other),
        None,
    );
    let e = run(&policy(), &request(&format!("DPoP {at}"), &[&p])).unwrap_err();
    assert_eq!(e, BearerError::InvalidDpopProof(ProofRefusal::AthMismatch));
    let no_ath = proof(&key, http::Method::GET, &url("/orders"), now(), None, None);
    assert_eq!(
        run(&policy(), &request(&format!("DPoP {at}"), &[&no_ath])).unwrap_err(),
        BearerError::InvalidDpopProof(ProofRefusal::AthMissing)
    );
}

#[test]
fn a_proof_by_another_key_than_the_tokens_is_an_invalid_token() {
    let (_, at) = client();
    let thief = ProofKey::generate(Algorithm::ES256).unwrap();
    let p = proof(
        &thief,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let e = run(&policy(), &request(&format!("DPoP {at}"), &[&p])).unwrap_err();
    assert_eq!(
        e,
        BearerError::Dpop(Box::new(BearerError::InvalidToken("bound to another key")))
    );
    assert_eq!(
        answer(&policy(), &e),
        (401, dpop_challenge("invalid_token"))
    );
}

#[test]
fn a_replayed_proof_is_refused() {
    let (key, at) = client();
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let req = request(&format!("DPoP {at}"), &[&p]);
    let policy = policy();
    assert!(run(&policy, &req).is_ok());
    let e = run(&policy, &req).unwrap_err();
    assert_eq!(e, BearerError::InvalidDpopProof(ProofRefusal::Replayed));
    assert_eq!(
        answer(&policy, &e),
        (401, dpop_challenge("invalid_dpop_proof"))
    );
    // Clones of the policy share the cache (every worker of one app).
    assert_eq!(
        run(&policy.clone(), &req).unwrap_err(),
        BearerError::InvalidDpopProof(ProofRefusal::Replayed)
    );
}

#[test]
fn a_policy_can_leave_the_replay_check_to_its_driver() {
    let (key, at) = client();
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let req = request(&format!("DPoP {at}"), &[&p]);
    let policy = policy().dpop_replay_left_to_driver();
    assert!(policy.leaves_dpop_replay_to_driver());
    assert!(!self::policy().leaves_dpop_replay_to_driver());
    // The check records nothing: the driver does, with what it hands over.
    for _ in 0..2 {
        let (check, step) = policy.check_parts(&req, &Guard::new(), now()).unwrap();
        assert!(matches!(step, Step::Done(_)));
        let checked = check.proof_to_record().expect("a proof to record");
        assert_eq!(checked.jkt(), key.thumbprint());
        assert!(!checked.replay_key().is_empty());
        assert_eq!(checked.replay_ttl().as_secs(), 66);
    }
    // Bearer requests, and policies with a replay cache, hand none over.
    let plain = token(None);
    let (check, _) = policy
        .check_parts(
            &request(&format!("Bearer {plain}"), &[]),
            &Guard::new(),
            now(),
        )
        .unwrap();
    assert!(check.proof_to_record().is_none());
    let p2 = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let req2 = request(&format!("DPoP {at}"), &[&p2]);
    let (check, _) = self::policy()
        .check_parts(&req2, &Guard::new(), now())
        .unwrap();
    assert!(check.proof_to_record().is_none());
    // A replay cache set afterwards takes the check back.
    let back = policy.dpop_replay_cache(std::sync::Arc::new(
        sesame_core::resource::MemoryReplayCache::new(10),
    ));
    assert!(!back.leaves_dpop_replay_to_driver());
}

#[test]
fn a_bound_token_presented_as_bearer_is_refused_with_the_dpop_challenge() {
    let (_, at) = client();
    let e = run(&policy(), &request(&format!("Bearer {at}"), &[])).unwrap_err();
    assert_eq!(
        e,
        BearerError::Dpop(Box::new(BearerError::InvalidToken(
            "dpop-bound token presented as bearer"
        )))
    );
    assert_eq!(
        answer(&policy(), &e),
        (401, dpop_challenge("invalid_token"))
    );
    // Through the header-only check too.
    let (parts, ()) = http::Request::get("/")
        .header("authorization", format!("Bearer {at}"))
        .body(())
        .unwrap()
        .into_parts();
    assert_eq!(
        policy()
            .check(&parts.headers, &Guard::new(), now())
            .unwrap_err(),
        e
    );
    // An API without DPoP refuses it too, in its own scheme.
    let bearer_only = BearerPolicy::new(validator());
    let e = bearer_only
        .check(&parts.headers, &Guard::new(), now())
        .unwrap_err();
    assert_eq!(
        e,
        BearerError::InvalidToken("dpop-bound token presented as bearer")
    );
    assert_eq!(
        answer(&bearer_only, &e),
        (
            401,
            vec![r#"Bearer realm="api", error="invalid_token""#.to_owned()]
        )
    );
}

#[test]
fn an_unbound_token_with_the_dpop_scheme_is_an_invalid_token() {
    // RFC 9449 §7.1 lets a server accept it; Sesame refuses: the proof
    // would protect nothing, and the client is confused about its token.
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let at = token(None);
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let e = run(&policy(), &request(&format!("DPoP {at}"), &[&p])).unwrap_err();
    assert_eq!(
        e,
        BearerError::Dpop(Box::new(BearerError::InvalidToken(
            "not bound to a dpop key"
        )))
    );
    assert_eq!(
        answer(&policy(), &e),
        (401, dpop_challenge("invalid_token"))
    );
    // The same token as Bearer is fine: DPoP is allowed, not required.
    assert_eq!(
        run(&policy(), &request(&format!("Bearer {at}"), &[]))
            .unwrap()
            .subject,
        "u1"
    );
}

#[test]
fn a_required_nonce_is_asked_for_then_accepted() {
    let nonces = NonceSource::new(&[7; 32], NonceSource::DEFAULT_PERIOD).unwrap();
    let policy = policy().dpop_nonces(nonces.clone());
    let (key, at) = client();
    let auth = format!("DPoP {at}");
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let e = run(&policy, &request(&auth, &[&p])).unwrap_err();
    let nonce = nonces.current(now());
    assert_eq!(e, BearerError::UseDpopNonce(nonce.clone()));
    let r = policy.refusal(&e);
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["www-authenticate"],
        format!(r#"DPoP error="use_dpop_nonce", {ALGS}"#).as_str()
    );
    assert_eq!(r.headers()["dpop-nonce"], nonce.as_str());
    // A nonce the server never issued: asked again, with the current one.
    let forged = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        Some("n"),
    );
    assert_eq!(
        run(&policy, &request(&auth, &[&forged])).unwrap_err(),
        BearerError::UseDpopNonce(nonce.clone())
    );
    // The client retries with the nonce.
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        Some(&nonce),
    );
    assert_eq!(run(&policy, &request(&auth, &[&p])).unwrap().subject, "u1");
}

#[test]
fn a_request_without_credentials_is_offered_both_schemes() {
    let parts = http::Request::get("/orders")
        .body(())
        .unwrap()
        .into_parts()
        .0;
    let e = run(&policy(), &parts).unwrap_err();
    assert_eq!(e, BearerError::Missing);
    assert_eq!(
        answer(&policy(), &e),
        (
            401,
            vec![r#"Bearer realm="api""#.to_owned(), format!("DPoP {ALGS}")]
        )
    );
    // Without DPoP, RFC 6750 alone, as before.
    let bearer_only = BearerPolicy::new(validator());
    assert_eq!(
        answer(&bearer_only, &run(&bearer_only, &parts).unwrap_err()),
        (401, vec![r#"Bearer realm="api""#.to_owned()])
    );
}

#[test]
fn when_dpop_is_required_bearer_requests_are_offered_dpop_only() {
    let policy = policy().dpop(DpopMode::Required);
    let at = token(None);
    let e = run(&policy, &request(&format!("Bearer {at}"), &[])).unwrap_err();
    assert_eq!(e, BearerError::Missing);
    assert_eq!(answer(&policy, &e), (401, vec![format!("DPoP {ALGS}")]));
    // A DPoP request still passes.
    let (key, at) = client();
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    assert!(run(&policy, &request(&format!("DPoP {at}"), &[&p])).is_ok());
}

#[test]
fn the_header_only_check_cannot_check_dpop() {
    let (key, at) = client();
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let parts = request(&format!("DPoP {at}"), &[&p]);
    assert_eq!(
        policy()
            .check(&parts.headers, &Guard::new(), now())
            .unwrap_err(),
        BearerError::Missing
    );
    // An API without DPoP sees no credentials it knows, as before.
    assert_eq!(
        run(&BearerPolicy::new(validator()), &parts).unwrap_err(),
        BearerError::Missing
    );
}

#[test]
fn guards_refuse_dpop_requests_with_the_dpop_challenge() {
    let (key, at) = client();
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let e = run_guarded(
        &policy(),
        &request(&format!("DPoP {at}"), &[&p]),
        &Guard::new().scope("api:write"),
    )
    .unwrap_err();
    assert_eq!(
        e,
        BearerError::Dpop(Box::new(BearerError::InsufficientScope("api:write".into())))
    );
    // RFC 9449 §7.1: the DPoP challenge carries RFC 6750's `scope` too.
    assert_eq!(
        answer(&policy(), &e),
        (
            403,
            vec![format!(
                r#"DPoP error="insufficient_scope", scope="api:write", {ALGS}"#
            )]
        )
    );
    // A missing claim names no scope.
    let e = BearerError::Forbidden.under_dpop();
    assert_eq!(
        answer(&policy(), &e),
        (403, dpop_challenge("insufficient_scope"))
    );
}

#[test]
fn introspected_tokens_are_bound_by_the_answers_cnf() {
    let policy = policy().with_introspection(Introspector::new(
        "https://op.example/introspect".parse().unwrap(),
        "api",
        "secret",
    ));
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let answer_for = |jkt: &str| {
        json_response(
            200,
            json!({"active": true, "sub": "u2", "exp": unix(now()) + 300,
                "scope": "api:read", "cnf": {"jkt": jkt}}),
        )
    };
    let introspect = |token: &str,
                      p: &str,
                      answer: http::Response<Vec<u8>>|
     -> Result<AccessClaims, BearerError> {
        let parts = request(&format!("DPoP {token}"), &[p]);
        let (mut check, step) = policy.check_parts(&parts, &Guard::new(), now())?;
        let Step::Send(Outgoing { request, .. }) = step else {
            panic!("an opaque token is introspected")
        };
        assert!(String::from_utf8_lossy(request.body()).contains(token));
        match check.on_response(answer, now())? {
            Step::Done(claims) => Ok(claims),
            step => panic!("{step:?}"),
        }
    };
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some("opaque-1"),
        None,
    );
    let claims = introspect("opaque-1", &p, answer_for(key.thumbprint())).unwrap();
    assert_eq!(claims.subject, "u2");
    let p = proof(
        &key,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some("opaque-2"),
        None,
    );
    assert_eq!(
        introspect("opaque-2", &p, answer_for("another-key")).unwrap_err(),
        BearerError::Dpop(Box::new(BearerError::InvalidToken("bound to another key")))
    );
    // Bound by introspection, presented as Bearer: refused from the cache.
    let e = run(&policy, &request("Bearer opaque-1", &[])).unwrap_err();
    assert_eq!(
        e,
        BearerError::Dpop(Box::new(BearerError::InvalidToken(
            "dpop-bound token presented as bearer"
        )))
    );
}

#[test]
fn refusals_never_show_the_token_or_the_proof() {
    let (key, at) = client();
    let thief = ProofKey::generate(Algorithm::ES256).unwrap();
    let p = proof(
        &thief,
        http::Method::GET,
        &url("/orders"),
        now(),
        Some(&at),
        None,
    );
    let e = run(&policy(), &request(&format!("DPoP {at}"), &[&p])).unwrap_err();
    let r = policy().refusal(&e);
    let shown = format!(
        "{e} {e:?} {:?} {}",
        r.headers(),
        String::from_utf8_lossy(r.body())
    );
    for secret in [at.as_str(), p.as_str(), key.thumbprint()] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn the_default_replay_cache_fails_closed_when_full() {
    use sesame_core::resource::{MemoryReplayCache, ReplayCache};
    let cache = MemoryReplayCache::new(2);
    let ttl = secs(66);
    assert!(cache.first_use("a", ttl, now()));
    assert!(cache.first_use("b", ttl, now()));
    assert!(!cache.first_use("c", ttl, now()), "full of live proofs");
    assert!(
        cache.first_use("c", ttl, now() + secs(67)),
        "room once expired"
    );
    assert!(cache.len() <= 2);
}
