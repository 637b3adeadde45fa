use serde_json::json;
use sesame_core::discovery::{
    discovery_url, metadata_url, DiscoveryError, MetadataKind, ProviderMetadata,
};

fn doc(issuer: &str) -> Vec<u8> {
    json!({
        "issuer": issuer,
        "authorization_endpoint": "https://id.example.com/auth",
        "token_endpoint": "https://id.example.com/token",
        "jwks_uri": "https://id.example.com/jwks",
        "authorization_response_iss_parameter_supported": true,
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "none", "HS512"],
    })
    .to_string()
    .into_bytes()
}

#[test]
fn matching_issuer_parses() {
    let m = ProviderMetadata::from_json("https://id.example.com", &doc("https://id.example.com"))
        .unwrap();
    assert_eq!(m.token_endpoint.as_str(), "https://id.example.com/token");
    assert!(m.authorization_response_iss_parameter_supported);
    assert_eq!(
        m.id_token_signing_alg_values_supported.len(),
        2,
        "none and unknown algs dropped"
    );
}

#[test]
fn a_different_issuer_is_refused() {
    for other in [
        "https://id.example.com/",
        "https://evil.example.com",
        "https://ID.example.com",
    ] {
        assert_eq!(
            ProviderMetadata::from_json("https://id.example.com", &doc(other)).unwrap_err(),
            DiscoveryError::IssuerMismatch,
            "{other}"
        );
    }
}

#[test]
fn missing_endpoints_and_insecure_urls_are_refused() {
    let bad = json!({"issuer": "https://id.example.com", "authorization_endpoint": "http://id.example.com/auth", "token_endpoint": "https://id.example.com/token"});
    assert_eq!(
        ProviderMetadata::from_json("https://id.example.com", bad.to_string().as_bytes())
            .unwrap_err(),
        DiscoveryError::InvalidField("authorization_endpoint")
    );
    let missing = json!({"issuer": "https://id.example.com", "authorization_endpoint": "https://id.example.com/auth"});
    assert_eq!(
        ProviderMetadata::from_json("https://id.example.com", missing.to_string().as_bytes())
            .unwrap_err(),
        DiscoveryError::InvalidField("token_endpoint")
    );
    assert_eq!(
        ProviderMetadata::from_json("x", b"[1]").unwrap_err(),
        DiscoveryError::Malformed
    );
}

#[test]
fn well_known_urls() {
    assert_eq!(
        discovery_url("https://id.example.com/").unwrap().as_str(),
        "https://id.example.com/.well-known/openid-configuration"
    );
    assert_eq!(
        metadata_url("https://id.example.com/tenant", MetadataKind::OAuth)
            .unwrap()
            .as_str(),
        "https://id.example.com/.well-known/oauth-authorization-server/tenant"
    );
    assert_eq!(
        discovery_url("http://id.example.com").unwrap_err(),
        DiscoveryError::InvalidIssuer
    );
    assert!(
        discovery_url("http://127.0.0.1:8080").is_ok(),
        "loopback http is allowed for development"
    );
}

#[test]
fn a_non_success_status_is_reported() {
    let resp = http::Response::builder()
        .status(404)
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        ProviderMetadata::from_response("https://id.example.com", &resp).unwrap_err(),
        DiscoveryError::Status(404)
    );
}
