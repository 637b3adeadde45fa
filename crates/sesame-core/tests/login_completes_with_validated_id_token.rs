mod common;
use common::*;
use serde_json::json;
use sesame_core::client::Exchange as _;
use sesame_core::client::Step;
use sesame_core::seal::{Sealer, SealingKey};

#[test]
fn authorization_url_carries_every_parameter() {
    let s = start(confidential_client());
    let q = query_of(&s.url);
    let names: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method"
        ]
    );
    assert_eq!(s.url.host_str(), Some("op.example"));
    assert_eq!(s.url.path(), "/authorize");
    assert_eq!(param(&s.url, "response_type").unwrap(), "code");
    assert_eq!(param(&s.url, "client_id").unwrap(), CLIENT_ID);
    assert_eq!(param(&s.url, "redirect_uri").unwrap(), REDIRECT);
    assert_eq!(param(&s.url, "scope").unwrap(), "openid email profile");
    assert_eq!(param(&s.url, "code_challenge_method").unwrap(), "S256");
    assert_eq!(s.state.len(), 22);
    assert_eq!(s.nonce.len(), 22);
}

#[test]
fn full_login_with_basic_auth_pkce_nonce_and_userinfo() {
    let s = start(confidential_client());
    let challenge = param(&s.url, "code_challenge").unwrap();

    // The pending login survives a seal/open round trip (the cookie).
    let sealer = Sealer::new(SealingKey::from_bytes([9; 32]));
    let cookie = s.pending.seal(&sealer, now(), &rng()).unwrap();
    let reopened =
        sesame_core::client::PendingLogin::open(&sealer, Some(&cookie), now() + secs(5)).unwrap();
    assert_eq!(reopened, s.pending);
    assert_eq!(reopened.return_to(), Some("/home"));

    let (exchange, token_req) = s.callback(&s.good_query()).unwrap();

    // What is sent to the token endpoint.
    assert_eq!(token_req.request.method(), "POST");
    assert_eq!(
        token_req.request.uri().to_string(),
        "https://op.example/token"
    );
    assert_eq!(
        token_req.request.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(token_req.request.headers()["accept"], "application/json");
    assert_eq!(
        token_req.request.headers()["authorization"],
        "Basic Y2xpZW50LTE6czNjcmV0"
    );
    let body = token_req.request.body();
    assert_eq!(
        form_param(body, "grant_type").unwrap(),
        "authorization_code"
    );
    assert_eq!(form_param(body, "code").unwrap(), "the-code");
    assert_eq!(form_param(body, "redirect_uri").unwrap(), REDIRECT);
    let verifier = form_param(body, "code_verifier").unwrap();
    assert_eq!(sesame_core::pkce::challenge_s256(&verifier), challenge);
    assert_eq!(
        form_param(body, "client_secret"),
        None,
        "basic auth: no secret in the body"
    );

    let key = es256_key("k1");
    let id_token = sign(&key, &id_claims(&s.nonce));
    let mut seen = Vec::new();
    let mut answer = op_answers(
        Some(id_token),
        json!({"sub": "user-1", "email": "ada@example.com", "email_verified": true, "picture": "https://pics/ada"}),
    );
    let login = drive(
        exchange,
        token_req,
        |req| {
            seen.push((
                req.uri().path().to_owned(),
                req.headers().get("authorization").cloned(),
            ));
            answer(req)
        },
        |_| jwks_of(&[&key]),
    )
    .unwrap();

    assert_eq!(seen[1].0, "/userinfo");
    assert_eq!(seen[1].1.as_ref().unwrap(), "Bearer at-123");
    let id = &login.identity;
    assert_eq!(id.provider, "op");
    assert_eq!(id.id, "user-1");
    assert_eq!(id.email.as_deref(), Some("ada@example.com"));
    assert!(id.email_verified);
    assert_eq!(id.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(id.picture.as_deref(), Some("https://pics/ada"));
    assert_eq!(login.tokens.access_token.expose(), "at-123");
    assert_eq!(
        login.tokens.refresh_token.as_ref().unwrap().expose(),
        "rt-1"
    );
    assert_eq!(login.tokens.token_type, "Bearer");
    assert_eq!(login.tokens.expires_at, Some(now() + secs(3600)));
    assert_eq!(
        login.tokens.id_token_claims.as_ref().unwrap().subject,
        "user-1"
    );
    assert_eq!(login.return_to.as_deref(), Some("/home"));
}

#[test]
fn public_client_sends_client_id_and_verifier_but_no_secret() {
    let s = start(public_client());
    let (_, req) = s.callback(&s.good_query()).unwrap();
    assert!(req.request.headers().get("authorization").is_none());
    assert_eq!(
        form_param(req.request.body(), "client_id").unwrap(),
        CLIENT_ID
    );
    assert!(form_param(req.request.body(), "code_verifier").is_some());
    assert!(form_param(req.request.body(), "client_secret").is_none());
}

#[test]
fn client_secret_post_puts_credentials_in_the_body() {
    let client = sesame_core::client::Client::new(
        sesame_core::provider::Provider::openid("op", "Example OP", ISSUER)
            .unwrap()
            .client_auth(sesame_core::provider::ClientAuth::Post),
        sesame_core::client::ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
            .secret("s3cret"),
    )
    .unwrap();
    let s = start(client);
    let (_, req) = s.callback(&s.good_query()).unwrap();
    assert!(req.request.headers().get("authorization").is_none());
    assert_eq!(
        form_param(req.request.body(), "client_id").unwrap(),
        CLIENT_ID
    );
    assert_eq!(
        form_param(req.request.body(), "client_secret").unwrap(),
        "s3cret"
    );
}

#[test]
fn an_unknown_kid_asks_for_a_refetch_once() {
    let s = start(confidential_client());
    let (exchange, req) = s.callback(&s.good_query()).unwrap();
    let old = es256_key("old");
    let new = rs256_key("new");
    let id_token = sign(&new, &id_claims(&s.nonce));
    let mut refreshes = Vec::new();
    let login = drive(
        exchange,
        req,
        op_answers(Some(id_token), json!({"sub": "user-1"})),
        |refresh| {
            refreshes.push(refresh);
            if refresh {
                jwks_of(&[&old, &new])
            } else {
                jwks_of(&[&old])
            }
        },
    )
    .unwrap();
    assert_eq!(refreshes, [false, true]);
    assert_eq!(login.identity.id, "user-1");
}

#[test]
fn a_kid_still_unknown_after_refetch_fails() {
    let s = start(confidential_client());
    let (mut exchange, req) = s.callback(&s.good_query()).unwrap();
    let id_token = sign(&es256_key("rogue"), &id_claims(&s.nonce));
    let mut answer = op_answers(Some(id_token), json!({}));
    let Step::NeedKeys(k) = exchange.on_response(answer(&req.request), now()).unwrap() else {
        panic!()
    };
    assert!(!k.refresh);
    assert_eq!(k.kid.as_deref(), Some("rogue"));
    assert_eq!(k.jwks_uri.as_str(), "https://op.example/jwks");
    let Step::NeedKeys(k) = exchange
        .on_keys(&jwks_of(&[&es256_key("k1")]), now())
        .unwrap()
    else {
        panic!()
    };
    assert!(k.refresh);
    let err = exchange
        .on_keys(&jwks_of(&[&es256_key("k1")]), now())
        .unwrap_err();
    assert_eq!(err.code(), "invalid_id_token");
    assert_eq!(err.status(), 502);
}

#[test]
fn openid_provider_without_id_token_fails() {
    let s = start(confidential_client());
    let (exchange, req) = s.callback(&s.good_query()).unwrap();
    let err = drive(
        exchange,
        req,
        op_answers(None, json!({})),
        |_| unreachable!(),
    )
    .unwrap_err();
    assert_eq!(err, sesame_core::ProviderError::MissingIdToken.into());
}

#[test]
fn feeding_an_exchange_out_of_order_is_an_error_not_a_panic() {
    let s = start(confidential_client());
    let (mut exchange, _) = s.callback(&s.good_query()).unwrap();
    assert!(exchange.on_keys(&jwks_of(&[]), now()).is_err());
}
