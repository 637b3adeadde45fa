//! DPoP with one key per login (`ClientConfig::dpop_per_login`): each
//! login makes its own key, names it at /authorize (or in its pushed
//! request), proves possession with it at the token and userinfo
//! endpoints, and hands it on with the tokens so that the session it
//! creates refreshes with the same key — sealed wherever it is stored.
mod common;
use std::sync::Arc;

use common::*;
use serde_json::json;
use sesame_core::client::{Client, ClientConfig, Exchange as _, PendingLogin, Step};
use sesame_core::discovery::ProviderMetadata;
use sesame_core::dpop::{CheckedProof, LoginKey, ProofPolicy, DPOP_HEADER};
use sesame_core::error::ConfigError;
use sesame_core::jose::Algorithm;
use sesame_core::login::LoginService;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::session::SessionTokens;
use sesame_core::Secret;

fn per_login_client(alg: Algorithm) -> Client {
    client_with(
        ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
            .secret("s3cret")
            .dpop_per_login(alg),
    )
}

fn check(request: &http::Request<Vec<u8>>, htu: &str, access_token: Option<&str>) -> CheckedProof {
    let proof = request.headers()[DPOP_HEADER].to_str().unwrap();
    ProofPolicy::default()
        .check(
            proof,
            request.method(),
            &htu.parse().unwrap(),
            now(),
            access_token,
            |_| false,
        )
        .unwrap()
}

fn key_of(pending: &PendingLogin) -> &LoginKey {
    pending.dpop_key().expect("the login has its own key")
}

fn dpop_tokens(nonce: &str, access_token: &str) -> http::Response<Vec<u8>> {
    let id_token = sign(&rs256_key("op-1"), &id_claims(nonce));
    json_response(
        200,
        json!({"access_token": access_token, "token_type": "DPoP", "expires_in": 3600,
               "refresh_token": "rt-1", "id_token": id_token}),
    )
}

#[test]
fn every_login_makes_its_own_key_and_names_it_at_authorize() {
    for alg in [Algorithm::ES256, Algorithm::EdDSA] {
        let client = per_login_client(alg);
        assert!(client.config().dpop_key().is_none(), "no client-wide key");
        let a = start(client.clone());
        let b = start(client);
        let (ka, kb) = (key_of(&a.pending), key_of(&b.pending));
        assert_eq!(ka.proof_key().algorithm(), alg);
        assert_ne!(ka, kb, "two logins, two keys");
        assert_eq!(
            param(&a.url, "dpop_jkt").as_deref(),
            Some(ka.proof_key().thumbprint())
        );
        assert_eq!(
            param(&b.url, "dpop_jkt").as_deref(),
            Some(kb.proof_key().thumbprint())
        );
    }
}

#[test]
fn the_key_travels_sealed_in_the_pending_login_cookie() {
    let s = start(per_login_client(Algorithm::ES256));
    let sealer = Sealer::new(SealingKey::from_bytes([9; 32]));
    let cookie = s.pending.seal(&sealer, now(), &rng()).unwrap();
    let opened = PendingLogin::open(&sealer, Some(&cookie), now()).unwrap();
    assert_eq!(key_of(&opened), key_of(&s.pending));
    // The private key is not readable in the cookie.
    let stored = serde_json::to_value(key_of(&s.pending)).unwrap();
    let der = stored["k"].as_str().unwrap();
    assert!(!cookie.contains(der));
    assert!(cookie.len() < 1500, "a small cookie: {}", cookie.len());
    // Nor in any Debug output.
    for dump in [
        format!("{:?}", s.pending),
        format!("{:?}", key_of(&s.pending)),
    ] {
        assert!(!dump.contains(der), "{dump}");
    }
}

#[test]
fn the_login_proves_possession_with_its_key_and_hands_it_to_the_tokens() {
    let s = start(per_login_client(Algorithm::ES256));
    let key = key_of(&s.pending).clone();
    let jkt = key.proof_key().thumbprint().to_owned();
    let (mut ex, req) = s.callback(&s.good_query()).unwrap();
    let token_endpoint = format!("{ISSUER}/token");
    assert_eq!(check(&req.request, &token_endpoint, None).jkt(), jkt);

    let Step::NeedKeys(_) = ex
        .on_response(dpop_tokens(&s.nonce, "at-1"), now())
        .unwrap()
    else {
        panic!("expected the key request")
    };
    let Step::Send(userinfo) = ex.on_keys(&jwks_of(&[&rs256_key("op-1")]), now()).unwrap() else {
        panic!("expected the userinfo call")
    };
    assert_eq!(userinfo.request.headers()["authorization"], "DPoP at-1");
    let checked = check(
        &userinfo.request,
        &format!("{ISSUER}/userinfo"),
        Some("at-1"),
    );
    assert_eq!(checked.jkt(), jkt);

    let answer = json_response(200, json!({"sub": "user-1"}));
    let Step::Done(login) = ex.on_response(answer, now()).unwrap() else {
        panic!("login not done")
    };
    assert_eq!(login.tokens.dpop_key.as_ref(), Some(&key));
    assert_eq!(
        s.client
            .dpop_key_for(login.tokens.dpop_key.as_ref())
            .map(|k| k.thumbprint()),
        Some(jkt.as_str())
    );
}

#[test]
fn the_session_keeps_the_key_sealed_and_refreshes_with_it() {
    let s = start(per_login_client(Algorithm::EdDSA));
    let key = key_of(&s.pending).clone();
    let (mut ex, _) = s.callback(&s.good_query()).unwrap();
    ex.on_response(dpop_tokens(&s.nonce, "at-1"), now())
        .unwrap();
    ex.on_keys(&jwks_of(&[&rs256_key("op-1")]), now()).unwrap();
    let Step::Done(login) = ex
        .on_response(json_response(200, json!({"sub": "user-1"})), now())
        .unwrap()
    else {
        panic!("login not done")
    };

    // What a session stores (sealed by the session rules) keeps the key.
    let tokens = SessionTokens::from_tokens(&login.tokens);
    let stored = serde_json::to_string(&tokens).unwrap();
    let back: SessionTokens = serde_json::from_str(&stored).unwrap();
    assert_eq!(back.dpop_key.as_ref(), Some(&key));
    let der = serde_json::to_value(&key).unwrap()["k"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!format!("{back:?}").contains(&der));

    // A refresh of the session proves possession with the session's key,
    // and the new tokens carry it on.
    let (mut refresh, first) = s
        .client
        .refresh_bound(
            Arc::new(metadata()),
            &Secret::new("rt-1"),
            None,
            back.dpop_key.as_ref(),
            now(),
            &rng(),
        )
        .unwrap();
    let checked = check(&first.request, &format!("{ISSUER}/token"), None);
    assert_eq!(checked.jkt(), key.proof_key().thumbprint());
    let answer = json_response(
        200,
        json!({"access_token": "at-2", "token_type": "DPoP", "expires_in": 60}),
    );
    let Step::Done(fresh) = refresh.on_response(answer, now()).unwrap() else {
        panic!("refresh not done")
    };
    assert_eq!(fresh.dpop_key.as_ref(), Some(&key));
}

#[test]
fn a_pushed_request_is_proved_by_the_logins_key() {
    let doc = json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{ISSUER}/authorize"),
        "token_endpoint": format!("{ISSUER}/token"),
        "jwks_uri": format!("{ISSUER}/jwks"),
        "pushed_authorization_request_endpoint": format!("{ISSUER}/par"),
        "authorization_response_iss_parameter_supported": true,
    });
    let meta = ProviderMetadata::from_json(ISSUER, doc.to_string().as_bytes()).unwrap();
    let sealer = || Sealer::new(SealingKey::from_bytes([4; 32]));
    let svc = LoginService::new(sealer()).provider(per_login_client(Algorithm::ES256));
    let (mut start, step) = svc.begin("op", &meta, None, now(), &rng()).unwrap();
    let Step::Send(push) = step else {
        panic!("expected the pushed request")
    };
    let jkt = form_param(push.request.body(), "dpop_jkt").unwrap();
    assert_eq!(
        check(&push.request, &format!("{ISSUER}/par"), None).jkt(),
        jkt
    );

    let created = json_response(
        201,
        json!({"request_uri": "urn:ietf:params:oauth:request_uri:x", "expires_in": 60}),
    );
    let Step::Done(redirect) = start.on_response(created, now()).unwrap() else {
        panic!("expected the redirect")
    };
    // The login's cookie holds the very key the pushed request named.
    let cookie = redirect.set_cookie.split(';').next().unwrap();
    let sealed = cookie.split_once('=').unwrap().1;
    let pending = PendingLogin::open(&sealer(), Some(sealed), now()).unwrap();
    assert_eq!(key_of(&pending).proof_key().thumbprint(), jkt);
}

#[test]
fn only_es256_and_eddsa_keys_are_made_per_login() {
    let config = ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
        .secret("s3cret")
        .dpop_per_login(Algorithm::RS256);
    let provider = sesame_core::provider::Provider::openid("op", "Example OP", ISSUER).unwrap();
    assert_eq!(
        Client::new(provider, config).unwrap_err(),
        ConfigError::UnsupportedDpopAlgorithm
    );
    assert!(per_login_client(Algorithm::ES256).config().uses_dpop());
}
