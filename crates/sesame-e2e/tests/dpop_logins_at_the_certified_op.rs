//! DPoP (RFC 9449) against panva's certified oidc-provider: a Sesame client
//! with a proof key logs in (pushed request, code exchange, userinfo),
//! gets tokens bound to its key (`cnf.jkt` at introspection), refreshes
//! with proofs, and calls userinfo with the `DPoP` scheme; with
//! `OP_DPOP_NONCE=1` every one of those requests first meets a
//! `use_dpop_nonce` refusal and is retried with the OP's nonce. With one
//! key per login (`ClientConfig::dpop_per_login`) the same holds with the
//! login's own key, which the refresh and userinfo calls then use.
use std::time::SystemTime;

use sesame_core::client::{Client, ClientConfig};
use sesame_core::dpop::ProofKey;
use sesame_core::jose::Algorithm;
use sesame_core::login::LoginService;
use sesame_core::protocol::Endpoint;
use sesame_core::provider::Provider;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::step::Outgoing;
use sesame_e2e::*;
use sesame_reqwest::Sesame;

const CLIENT_ID: &str = "conf-client";
const SECRET: &str = "conf-secret";

/// What the OP's introspection endpoint says about `token`.
async fn introspect(sesame: &Sesame, issuer: &str, token: &str) -> serde_json::Value {
    let doc = get_json(
        &http_client(),
        &format!("{issuer}/.well-known/openid-configuration"),
    )
    .await;
    let endpoint = doc["introspection_endpoint"]
        .as_str()
        .expect("introspection");
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish();
    let request = http::Request::post(endpoint)
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "authorization",
            format!(
                "Basic {}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    format!("{CLIENT_ID}:{SECRET}")
                )
            ),
        )
        .body(body.into_bytes())
        .unwrap();
    let response = sesame
        .send(Outgoing::new(Endpoint::Introspection, request))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    serde_json::from_slice(response.body()).unwrap()
}

/// GET userinfo with `authorize`'s headers, retrying a nonce refusal once.
async fn userinfo(
    sesame: &Sesame,
    endpoint: &str,
    key: Option<&ProofKey>,
    token: &str,
) -> http::Response<Vec<u8>> {
    let rng = ring::rand::SystemRandom::new();
    let mut nonce: Option<String> = None;
    for attempt in 0..2 {
        let mut request = http::Request::get(endpoint).body(Vec::new()).unwrap();
        match key {
            Some(key) => sesame_core::dpop::authorize_request(
                &mut request,
                key,
                token,
                SystemTime::now(),
                &rng,
                nonce.as_deref(),
            )
            .unwrap(),
            None => {
                request
                    .headers_mut()
                    .insert("authorization", format!("Bearer {token}").parse().unwrap());
            }
        }
        let response = sesame
            .send(Outgoing::new(Endpoint::Userinfo, request))
            .await
            .unwrap();
        match sesame_core::dpop::nonce_retry(&response) {
            Some(n) if key.is_some() && attempt == 0 => nonce = Some(n.to_owned()),
            _ => return response,
        }
    }
    unreachable!("the loop returns")
}

/// Whose key binds the tokens.
#[derive(Clone, Copy, PartialEq)]
enum Keys {
    /// One key for the client (`ClientConfig::dpop`).
    Client,
    /// One key per login (`ClientConfig::dpop_per_login`).
    PerLogin,
}

async fn dpop_login_refresh_and_userinfo(env: &[(&str, &str)], user: &str, keys: Keys) {
    let redirect = "http://127.0.0.1:9/callback".to_owned();
    let op = Op::start_with(std::slice::from_ref(&redirect), env).await;
    let config = ClientConfig::new(CLIENT_ID, redirect.parse().unwrap()).secret(SECRET);
    let config = match keys {
        Keys::Client => config.dpop(ProofKey::generate(Algorithm::ES256).unwrap()),
        Keys::PerLogin => config.dpop_per_login(Algorithm::ES256),
    };
    let client = Client::new(Provider::openid("op", "OP", &op.issuer).unwrap(), config).unwrap();
    let service =
        LoginService::new(Sealer::new(SealingKey::from_bytes([7; 32]))).provider(client.clone());
    let sesame = Sesame::new().unwrap();
    let meta = sesame.metadata(&client).await.unwrap();
    assert!(
        meta.pushed_authorization_request_endpoint.is_some(),
        "the OP offers PAR: the login pushes its request, with a proof"
    );

    // The login: pushed request, browser, callback (code → DPoP tokens → userinfo).
    let redirect_to = sesame.start_login(&service, "op", None).await.unwrap();
    let mut b = Browser::new(http_client());
    let mut next = format!("{}&login_hint={user}", redirect_to.location);
    let callback = loop {
        if next.starts_with(&redirect) {
            break next;
        }
        next = b.get(&next).await.1.expect("redirect");
    };
    let callback = url::Url::parse(&callback).unwrap();
    let cookie = redirect_to.set_cookie.split(';').next().unwrap().to_owned();
    let outcome = sesame
        .callback(&service, "op", callback.query(), None, [cookie.as_str()])
        .await;
    let login = outcome.result.expect("the DPoP login completes");
    assert_eq!(login.identity.id, user);
    assert_eq!(login.tokens.token_type, "DPoP");
    let login_key = login.tokens.dpop_key.clone();
    assert_eq!(login_key.is_some(), keys == Keys::PerLogin);
    let key = client
        .dpop_key_for(login_key.as_ref())
        .expect("a proof key");
    let jkt = key.thumbprint().to_owned();
    assert!(
        login.identity.raw.get("email_verified").is_some(),
        "userinfo (called with a DPoP proof) answered"
    );

    // The access token is bound to the client's key.
    let at = login.tokens.access_token.expose().to_owned();
    let info = introspect(&sesame, &op.issuer, &at).await;
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["cnf"]["jkt"], jkt.as_str(), "{info}");
    assert_eq!(info["token_type"], "DPoP", "{info}");

    // Refresh: a proof again, and new tokens bound to the same key.
    let claims = login.tokens.id_token_claims.clone().expect("validated");
    let rt = login.tokens.refresh_token.clone().expect("refresh token");
    let refreshed = sesame
        .refresh_bound(&client, &rt, Some(&claims), login_key.as_ref())
        .await
        .unwrap();
    assert_eq!(refreshed.token_type, "DPoP");
    assert_eq!(
        refreshed.dpop_key, login_key,
        "the key goes on with the tokens"
    );
    assert_ne!(refreshed.access_token, login.tokens.access_token);
    let info = introspect(&sesame, &op.issuer, refreshed.access_token.expose()).await;
    assert_eq!(info["cnf"]["jkt"], jkt.as_str(), "{info}");

    // Userinfo with the public helper: the DPoP scheme and a proof work…
    let endpoint = meta
        .userinfo_endpoint
        .clone()
        .expect("userinfo")
        .to_string();
    let token = refreshed.access_token.expose();
    let ok = userinfo(&sesame, &endpoint, Some(key), token).await;
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = serde_json::from_slice(ok.body()).unwrap();
    assert_eq!(body["sub"], user);
    // …and the same token as a plain bearer token is refused.
    let bearer = userinfo(&sesame, &endpoint, None, token).await;
    assert_eq!(bearer.status(), 401);
    op.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_login_binds_tokens_to_the_client_key() {
    dpop_login_refresh_and_userinfo(&[], "dpop-user", Keys::Client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_login_binds_tokens_to_the_logins_own_key() {
    dpop_login_refresh_and_userinfo(&[], "own-key-user", Keys::PerLogin).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpop_nonces_are_picked_up_and_retried_at_every_endpoint() {
    dpop_login_refresh_and_userinfo(&[("OP_DPOP_NONCE", "1")], "nonce-user", Keys::PerLogin).await;
}
