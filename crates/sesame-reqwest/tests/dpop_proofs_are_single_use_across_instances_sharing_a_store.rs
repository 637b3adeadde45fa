//! Two `BearerAuth`s (two instances of one API) sharing a session store
//! for their DPoP replay check: a proof accepted by one is a replay at the
//! other, a fresh proof passes; a refused request records nothing; a store
//! that cannot record refuses the request with 503, never lets it through.
use std::sync::Arc;
use std::time::SystemTime;

use sesame_core::dpop::{cnf_claim, ProofKey, ProofRefusal};
use sesame_core::jose::{Algorithm, JwkSet, SigningKey};
use sesame_core::random::SeededRandom;
use sesame_core::resource::{
    AccessClaims, BearerError, BearerPolicy, BearerValidator, DpopMode, Guard, TrustedIssuer,
};
use sesame_core::session::MemorySessionStore;
use sesame_reqwest::{BearerAuth, Sesame};

const ISSUER: &str = "https://id.example.com";
const API: &str = "https://api.example.com";

fn issuer_key() -> &'static SigningKey {
    static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(Algorithm::ES256, "k1").unwrap().0)
}

fn policy() -> BearerPolicy {
    let jwks = serde_json::json!({"keys": [issuer_key().public_jwk().unwrap()]}).to_string();
    BearerPolicy::new(
        BearerValidator::new().issuer(TrustedIssuer::with_static_keys(
            ISSUER,
            JwkSet::parse(jwks.as_bytes()).unwrap(),
            API,
        )),
    )
    .dpop(DpopMode::Allowed)
    .public_origin(API.parse().unwrap())
}

/// One instance of the API, recording proofs in `store`.
fn instance(store: &Arc<MemorySessionStore>) -> BearerAuth {
    let _ = rustls::crypto::ring::default_provider().install_default();
    BearerAuth::with_policy(policy(), Arc::new(Sesame::new().unwrap()))
        .with_dpop_replay_store(store.clone())
}

fn bound_token(key: &ProofKey) -> String {
    let t = sesame_core::time::unix_seconds(SystemTime::now());
    let claims = serde_json::json!({"iss": ISSUER, "aud": API, "sub": "alice",
        "exp": t + 300, "iat": t, "scope": "api:read", "cnf": cnf_claim(key.thumbprint())});
    issuer_key()
        .sign_claims(Some("at+jwt"), claims.as_object().unwrap())
        .unwrap()
}

fn proof(key: &ProofKey, token: &str, seed: u64) -> String {
    let htu: url::Url = format!("{API}/orders").parse().unwrap();
    key.proof(
        &http::Method::GET,
        &htu,
        SystemTime::now(),
        &SeededRandom::new(seed),
        Some(token),
        None,
    )
    .unwrap()
}

async fn call(
    auth: &BearerAuth,
    token: &str,
    proof: &str,
    guard: &Guard,
) -> Result<AccessClaims, BearerError> {
    let mut headers = http::HeaderMap::new();
    headers.insert("authorization", format!("DPoP {token}").parse().unwrap());
    headers.insert("dpop", proof.parse().unwrap());
    let uri: http::Uri = "/orders".parse().unwrap();
    auth.authenticate_request(&http::Method::GET, &uri, &headers, guard)
        .await
}

#[tokio::test]
async fn a_proof_accepted_at_one_instance_is_a_replay_at_the_other() {
    let store = Arc::new(MemorySessionStore::default());
    let (a, b) = (instance(&store), instance(&store));
    assert!(a.policy().leaves_dpop_replay_to_driver());
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let token = bound_token(&key);

    let p = proof(&key, &token, 1);
    let claims = call(&a, &token, &p, &Guard::new()).await.unwrap();
    assert_eq!(claims.subject, "alice");
    let replay = call(&b, &token, &p, &Guard::new()).await.unwrap_err();
    assert_eq!(
        replay,
        BearerError::InvalidDpopProof(ProofRefusal::Replayed)
    );
    let answer = b.refusal(&replay);
    assert_eq!(answer.status(), 401);
    assert_eq!(
        answer.headers()["www-authenticate"],
        r#"DPoP error="invalid_dpop_proof", algs="ES256 EdDSA RS256 PS256""#
    );
    // At the instance that accepted it, too.
    assert_eq!(
        call(&a, &token, &p, &Guard::new()).await.unwrap_err(),
        BearerError::InvalidDpopProof(ProofRefusal::Replayed)
    );
    // A fresh proof passes at B.
    let fresh = proof(&key, &token, 2);
    assert!(call(&b, &token, &fresh, &Guard::new()).await.is_ok());
}

#[tokio::test]
async fn a_refused_request_records_nothing() {
    let store = Arc::new(MemorySessionStore::default());
    let a = instance(&store);
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let token = bound_token(&key);
    let p = proof(&key, &token, 3);
    let refused = call(&a, &token, &p, &Guard::new().scope("api:write"))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        format!("{store:?}"),
        format!("{:?}", MemorySessionStore::default())
    );
    // The guard refused before anything was written: the proof is still unused.
    assert!(call(&a, &token, &p, &Guard::new()).await.is_ok());
}

#[tokio::test]
async fn a_store_that_cannot_record_refuses_with_503() {
    // Full of live proofs: the memory store refuses new ones.
    let store = Arc::new(MemorySessionStore::new(1));
    let a = instance(&store);
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let token = bound_token(&key);
    assert!(call(&a, &token, &proof(&key, &token, 4), &Guard::new())
        .await
        .is_ok());
    let refused = call(&a, &token, &proof(&key, &token, 5), &Guard::new())
        .await
        .unwrap_err();
    assert_eq!(refused, BearerError::ReplayStoreUnavailable);
    let answer = a.refusal(&refused);
    assert_eq!(answer.status(), 503);
    assert!(answer.headers().get("www-authenticate").is_none());
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(answer.body()).unwrap()["error"],
        "temporarily_unavailable"
    );
}

#[tokio::test]
async fn a_policy_leaving_replays_to_the_driver_without_a_store_fails_closed() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let a = BearerAuth::with_policy(
        policy().dpop_replay_left_to_driver(),
        Arc::new(Sesame::new().unwrap()),
    );
    let key = ProofKey::generate(Algorithm::ES256).unwrap();
    let token = bound_token(&key);
    assert_eq!(
        call(&a, &token, &proof(&key, &token, 6), &Guard::new())
            .await
            .unwrap_err(),
        BearerError::ReplayStoreUnavailable
    );
}
