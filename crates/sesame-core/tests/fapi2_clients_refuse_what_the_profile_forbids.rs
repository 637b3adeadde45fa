//! The client's FAPI 2.0 switch (`ClientConfig::fapi2`): the configuration
//! must use `private_key_jwt` and hold a DPoP key; every login pushes its
//! request; a callback without `iss` is refused.
mod common;
use common::*;
use serde_json::json;
use sesame_core::client::{Client, ClientConfig};
use sesame_core::discovery::ProviderMetadata;
use sesame_core::dpop::ProofKey;
use sesame_core::error::{ConfigError, LoginError, ProviderError, RequestError};
use sesame_core::jose::Algorithm;
use sesame_core::login::LoginService;
use sesame_core::provider::Provider;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::step::Step;

fn fapi_config() -> ClientConfig {
    ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
        .private_key_jwt(es256_key("client-key"))
        .dpop(ProofKey::generate(Algorithm::ES256).unwrap())
        .fapi2()
}

fn provider() -> Provider {
    Provider::openid("op", "Example OP", ISSUER).unwrap()
}

#[test]
fn the_configuration_must_use_private_key_jwt_and_dpop() {
    let secret = ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
        .secret("s3cret")
        .dpop(ProofKey::generate(Algorithm::ES256).unwrap())
        .fapi2();
    assert_eq!(
        Client::new(provider(), secret).unwrap_err(),
        ConfigError::Fapi2("private_key_jwt client authentication")
    );
    let no_dpop = ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap())
        .private_key_jwt(es256_key("client-key"))
        .fapi2();
    assert_eq!(
        Client::new(provider(), no_dpop).unwrap_err(),
        ConfigError::Fapi2("a DPoP proof key")
    );
    assert!(Client::new(provider(), fapi_config()).is_ok());
}

#[test]
fn every_login_pushes_and_a_provider_without_par_is_an_error() {
    let svc = LoginService::new(Sealer::new(SealingKey::from_bytes([4; 32])))
        .provider(Client::new(provider(), fapi_config()).unwrap());
    assert!(matches!(
        svc.begin("op", &metadata(), None, now(), &rng()),
        Err(LoginError::Provider(ProviderError::NoPushEndpoint))
    ));
    let doc = json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{ISSUER}/authorize"),
        "token_endpoint": format!("{ISSUER}/token"),
        "jwks_uri": format!("{ISSUER}/jwks"),
        "pushed_authorization_request_endpoint": format!("{ISSUER}/par"),
    });
    let meta = ProviderMetadata::from_json(ISSUER, doc.to_string().as_bytes()).unwrap();
    let (_, step) = svc.begin("op", &meta, None, now(), &rng()).unwrap();
    let Step::Send(push) = step else {
        panic!("a FAPI login pushes")
    };
    let body = push.request.body();
    assert!(form_param(body, "client_assertion").is_some());
    assert!(push.request.headers().get("dpop").is_some());
    assert!(form_param(body, "dpop_jkt").is_some());
}

#[test]
fn a_callback_without_iss_is_refused() {
    let mut doc_meta = metadata();
    // Even when the provider does not advertise RFC 9207.
    doc_meta.authorization_response_iss_parameter_supported = false;
    let client = Client::new(provider(), fapi_config()).unwrap();
    let started = start(client);
    let query = format!("code=the-code&state={}", started.state);
    let params = sesame_core::client::CallbackParams::from_query(&query).unwrap();
    let result = started.client.callback(
        std::sync::Arc::new(doc_meta),
        &params,
        started.pending.clone(),
        now(),
        &rng(),
    );
    assert!(matches!(
        result,
        Err(LoginError::Request(RequestError::MissingIssuer))
    ));
    assert!(started.callback(&started.good_query()).is_ok());
}
