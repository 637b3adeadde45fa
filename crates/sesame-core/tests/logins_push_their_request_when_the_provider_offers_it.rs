//! Pushed authorization requests (RFC 9126) on the client: when the
//! provider offers them the login's parameters go to its endpoint,
//! authenticated, and the browser carries only `client_id` and
//! `request_uri`; the provider's refusals are typed.
mod common;
use common::*;
use serde_json::json;
use sesame_core::client::{ClientConfig, Exchange, PushMode, PushedRequest, CLIENT_ASSERTION_TYPE};
use sesame_core::discovery::ProviderMetadata;
use sesame_core::error::{LoginError, ProviderError, UsageError};
use sesame_core::login::LoginService;
use sesame_core::protocol::Endpoint;
use sesame_core::seal::{Sealer, SealingKey};
use sesame_core::step::Step;

const PAR: &str = "https://op.example/par";
const REQUEST_URI: &str = "urn:ietf:params:oauth:request_uri:abc123";

fn metadata_with(extra: serde_json::Value) -> ProviderMetadata {
    let mut doc = json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{ISSUER}/authorize"),
        "token_endpoint": format!("{ISSUER}/token"),
        "jwks_uri": format!("{ISSUER}/jwks"),
        "authorization_response_iss_parameter_supported": true,
    });
    for (k, v) in extra.as_object().unwrap() {
        doc[k] = v.clone();
    }
    ProviderMetadata::from_json(ISSUER, doc.to_string().as_bytes()).unwrap()
}

fn offering() -> ProviderMetadata {
    metadata_with(json!({"pushed_authorization_request_endpoint": PAR}))
}

fn service(config: ClientConfig) -> LoginService {
    LoginService::new(Sealer::new(SealingKey::from_bytes([4; 32]))).provider(client_with(config))
}

fn confidential() -> ClientConfig {
    ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()).secret("s3cret")
}

fn created() -> http::Response<Vec<u8>> {
    json_response(201, json!({"request_uri": REQUEST_URI, "expires_in": 60}))
}

#[test]
fn the_request_is_pushed_with_client_authentication_and_the_browser_carries_only_a_reference() {
    let svc = service(confidential());
    let (mut start, step) = svc
        .begin("op", &offering(), Some("return_to=/next"), now(), &rng())
        .unwrap();
    let Step::Send(push) = step else {
        panic!("expected the pushed request, got {step:?}")
    };
    assert_eq!(push.endpoint, Endpoint::PushedAuthorization);
    let r = &push.request;
    assert_eq!(r.method(), http::Method::POST);
    assert_eq!(r.uri().to_string(), PAR);
    assert_eq!(
        r.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert!(r.headers()["authorization"]
        .to_str()
        .unwrap()
        .starts_with("Basic "));
    let form = form_of(r.body());
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("response_type"), Some("code"));
    assert_eq!(get("client_id"), Some(CLIENT_ID));
    assert_eq!(get("redirect_uri"), Some(REDIRECT));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert!(get("state").is_some() && get("nonce").is_some() && get("code_challenge").is_some());
    assert_eq!(
        form.iter().filter(|(k, _)| k == "client_id").count(),
        1,
        "client_id once"
    );
    assert!(get("client_secret").is_none());

    let Step::Done(redirect) = start.on_response(created(), now()).unwrap() else {
        panic!("expected the redirect")
    };
    let q = query_of(&redirect.location);
    assert_eq!(
        q,
        vec![
            ("client_id".to_owned(), CLIENT_ID.to_owned()),
            ("request_uri".to_owned(), REQUEST_URI.to_owned())
        ]
    );
    assert!(redirect
        .location
        .as_str()
        .starts_with("https://op.example/authorize?"));
    assert!(redirect.set_cookie.starts_with("sesame-login-"));
    // Fed twice: a driver bug, reported as such.
    assert!(matches!(
        start.on_response(created(), now()),
        Err(LoginError::Usage(UsageError::OutOfOrder))
    ));
}

#[test]
fn the_pending_login_matches_the_pushed_state() {
    let svc = service(confidential());
    let (mut start, step) = svc.begin("op", &offering(), None, now(), &rng()).unwrap();
    let Step::Send(push) = step else { panic!() };
    let state = form_param(push.request.body(), "state").unwrap();
    let Step::Done(redirect) = start.on_response(created(), now()).unwrap() else {
        panic!()
    };
    // The redirect names the state that was pushed, and so does the cookie.
    assert_eq!(redirect.state, state);
    assert!(
        redirect
            .set_cookie
            .starts_with(&format!("sesame-login-{state}=")),
        "{}",
        redirect.set_cookie
    );
}

#[test]
fn public_clients_and_private_key_jwt_push_too() {
    let svc = service(ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()));
    let (_, step) = svc.begin("op", &offering(), None, now(), &rng()).unwrap();
    let Step::Send(push) = step else { panic!() };
    assert!(push.request.headers().get("authorization").is_none());
    assert_eq!(
        form_param(push.request.body(), "client_id").as_deref(),
        Some(CLIENT_ID)
    );

    let key = es256_key("client-key");
    let svc = service(ClientConfig::new(CLIENT_ID, REDIRECT.parse().unwrap()).private_key_jwt(key));
    let (_, step) = svc.begin("op", &offering(), None, now(), &rng()).unwrap();
    let Step::Send(push) = step else { panic!() };
    let body = push.request.body();
    assert_eq!(
        form_param(body, "client_assertion_type").as_deref(),
        Some(CLIENT_ASSERTION_TYPE)
    );
    let assertion = form_param(body, "client_assertion").unwrap();
    let claims = sesame_core::jose::unverified_claims(&assertion).unwrap();
    // RFC 9126 §2: the issuer identifier is a valid audience.
    assert_eq!(claims["aud"], ISSUER);
}

#[test]
fn without_an_endpoint_or_when_told_the_login_redirects_directly() {
    let svc = service(confidential());
    let (_, step) = svc.begin("op", &metadata(), None, now(), &rng()).unwrap();
    let Step::Done(redirect) = step else { panic!() };
    assert!(param(&redirect.location, "code_challenge").is_some());

    let svc = service(confidential().push_mode(PushMode::WhenRequired));
    let (_, step) = svc.begin("op", &offering(), None, now(), &rng()).unwrap();
    assert!(matches!(step, Step::Done(_)));
}

#[test]
fn a_provider_that_requires_pushing_gets_pushed_requests_whatever_the_mode() {
    let required = metadata_with(json!({
        "pushed_authorization_request_endpoint": PAR,
        "require_pushed_authorization_requests": true,
    }));
    let svc = service(confidential().push_mode(PushMode::WhenRequired));
    let (_, step) = svc.begin("op", &required, None, now(), &rng()).unwrap();
    assert!(matches!(step, Step::Send(_)));
    // The non-pushing entry points refuse rather than send a request
    // the provider would turn away.
    assert!(matches!(
        svc.start("op", &required, None, now(), &rng()),
        Err(LoginError::Usage(UsageError::PushRequired))
    ));
    // Required, but no endpoint: the provider's fault, typed.
    let broken = metadata_with(json!({"require_pushed_authorization_requests": true}));
    assert!(matches!(
        svc.begin("op", &broken, None, now(), &rng()),
        Err(LoginError::Provider(ProviderError::NoPushEndpoint))
    ));
}

#[test]
fn refusals_and_bad_answers_are_typed() {
    let run = |resp: http::Response<Vec<u8>>| {
        let svc = service(confidential());
        let (mut start, _) = svc.begin("op", &offering(), None, now(), &rng()).unwrap();
        start.on_response(resp, now()).map(|_| ())
    };
    match run(json_response(
        400,
        json!({"error": "invalid_request", "error_description": "bad scope"}),
    )) {
        Err(LoginError::Provider(ProviderError::PushRefused { error, description })) => {
            assert_eq!(error, "invalid_request");
            assert_eq!(description.as_deref(), Some("bad scope"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        run(json_response(503, json!({}))),
        Err(LoginError::Provider(ProviderError::Status {
            endpoint: Endpoint::PushedAuthorization,
            status: 503
        }))
    ));
    for body in [
        json!({"expires_in": 60}),
        json!({"request_uri": "", "expires_in": 60}),
        json!({"request_uri": REQUEST_URI}),
        json!({"request_uri": REQUEST_URI, "expires_in": "60"}),
        json!([1, 2]),
    ] {
        assert!(
            matches!(
                run(json_response(201, body.clone())),
                Err(LoginError::Provider(ProviderError::MalformedResponse {
                    endpoint: Endpoint::PushedAuthorization,
                    ..
                }))
            ),
            "{body}"
        );
    }
    let ok = PushedRequest::from_response(&created()).unwrap();
    assert_eq!(ok.expires_in, 60);
}

#[test]
fn discovery_reads_the_par_metadata_and_rebases_its_endpoint() {
    let mut meta = offering();
    assert_eq!(
        meta.pushed_authorization_request_endpoint
            .as_ref()
            .unwrap()
            .as_str(),
        PAR
    );
    assert!(!meta.require_pushed_authorization_requests);
    assert!(meta.urls().iter().any(|u| u.as_str() == PAR));
    for u in meta.urls_mut() {
        u.set_host(Some("127.0.0.1")).unwrap();
    }
    assert_eq!(
        meta.pushed_authorization_request_endpoint
            .unwrap()
            .host_str(),
        Some("127.0.0.1")
    );
    // An insecure endpoint is refused like any other.
    let doc = json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{ISSUER}/authorize"),
        "token_endpoint": format!("{ISSUER}/token"),
        "pushed_authorization_request_endpoint": "http://op.example/par",
    });
    assert!(ProviderMetadata::from_json(ISSUER, doc.to_string().as_bytes()).is_err());
}
