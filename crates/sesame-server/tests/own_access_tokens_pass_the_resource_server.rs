//! Access tokens from Sesame's own authorization server pass the resource
//! server's validation and guards, with the app's claims.
mod common;
use common::server::*;
use common::*;
use serde_json::json;
use sesame_core::jose::JwkSet;
use sesame_core::resource::{BearerValidator, Guard, TrustedIssuer};
use sesame_server::MemoryStore;

#[test]
fn tokens_from_sesames_own_authorization_server_validate() {
    let (s, store) = (server(), MemoryStore::default());
    let code = code_for(
        &s,
        &store,
        "web",
        "https://app.example/cb",
        json!({"role": "admin"}),
        now(),
    );
    let token = body(&redeem(&s, &store, &code, now()))["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let keys = JwkSet::parse(s.jwks().to_string().as_bytes()).unwrap();
    let v = BearerValidator::new().issuer(TrustedIssuer::new(
        AS_ISSUER,
        "https://as.example/jwks.json".parse().unwrap(),
        "https://as.example/api",
    ));
    let claims = v.validate(&token, &keys, now()).unwrap();
    assert!(Guard::new()
        .scope("api:read")
        .claim_eq("role", "admin")
        .check(&claims)
        .is_ok());
}
