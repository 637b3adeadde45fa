//! The discovery document holds every field OpenID Connect Discovery 1.0
//! §3 and RFC 8414 §2 require or recommend for what the server does, and
//! each value is one the server keeps.
mod common;
use common::server::AS_ISSUER;
use common::*;
use serde_json::Value;
use sesame_core::jose::{Algorithm, SigningKey};
use sesame_server::{AuthorizationServer, RegisteredClient, ServerConfig, ROUTES};

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("{v} is not an array"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

/// Validates `m` as served by `issuer`; returns what is wrong.
fn problems(m: &Value, issuer: &str, jwks: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            out.push(what.to_owned());
        }
    };
    // OpenID Connect Discovery §3: REQUIRED.
    for f in [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
    ] {
        need(m.get(f).is_some(), &format!("{f} is required"));
    }
    // RECOMMENDED, and present because the server does it.
    for f in ["userinfo_endpoint", "scopes_supported", "claims_supported"] {
        need(m.get(f).is_some(), &format!("{f} is recommended"));
    }
    need(m["issuer"] == issuer, "issuer must be the exact issuer URL");
    let iss = url::Url::parse(issuer).unwrap();
    need(
        iss.query().is_none() && iss.fragment().is_none(),
        "issuer has no query or fragment (RFC 8414 §2)",
    );
    let algs = strs(&m["id_token_signing_alg_values_supported"]);
    need(
        algs.contains(&"RS256"),
        "RS256 MUST be included (Discovery §3)",
    );
    need(!algs.contains(&"none"), "no unsigned ID tokens");
    // Every algorithm listed has a published key.
    let published: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["alg"].as_str())
        .collect();
    for a in &algs {
        need(
            published.contains(a),
            &format!("{a} has no key in the JWKS"),
        );
    }
    need(
        strs(&m["scopes_supported"]).contains(&"openid"),
        "scopes_supported includes openid (Discovery §3)",
    );
    need(
        strs(&m["response_types_supported"]) == ["code"],
        "the code flow only",
    );
    for s in strs(&m["subject_types_supported"]) {
        need(
            s == "public" || s == "pairwise",
            "subject types are public or pairwise",
        );
    }
    // RFC 8414 §2 and RFC 7636 §6.2: PKCE, S256 only.
    need(
        strs(&m["code_challenge_methods_supported"]) == ["S256"],
        "code_challenge_methods_supported = [S256]",
    );
    for f in [
        "grant_types_supported",
        "response_modes_supported",
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
    ] {
        need(m[f].is_array(), &format!("{f} is listed"));
    }
    let grants = strs(&m["grant_types_supported"]);
    for g in ["authorization_code", "refresh_token", "client_credentials"] {
        need(grants.contains(&g), &format!("grant {g} is listed"));
    }
    need(!grants.contains(&"implicit"), "no implicit grant");
    // JWT client authentication would need its signing algorithms listed.
    for f in [
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
    ] {
        let jwt = strs(&m[f])
            .iter()
            .any(|a| *a == "private_key_jwt" || *a == "client_secret_jwt");
        let signing = f.replace("methods", "signing_alg_values");
        need(
            !jwt || m.get(&signing).is_some(),
            &format!("{signing} is required"),
        );
    }
    need(
        m["authorization_response_iss_parameter_supported"] == true,
        "iss in authorization responses (RFC 9207)",
    );
    // Request objects are not taken; Discovery's default for request_uri is true.
    need(
        m["request_uri_parameter_supported"] == false && m["request_parameter_supported"] == false,
        "request objects are refused, and said so",
    );
    // Every endpoint is this issuer's and is served.
    for f in [
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "userinfo_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ] {
        let u = m[f].as_str().unwrap_or("");
        let path = u.strip_prefix(issuer).unwrap_or("");
        need(ROUTES.contains(&path), &format!("{f} {u} is served"));
    }
    out
}

#[test]
fn the_document_validates() {
    let key = |alg, kid| SigningKey::generate(alg, kid).unwrap().0;
    let s = AuthorizationServer::with_keys(
        ServerConfig::new(AS_ISSUER).client(RegisteredClient::new(
            "web",
            Some("s"),
            &["https://a/cb"],
        )),
        vec![rs256_key("rsa"), key(Algorithm::ES256, "ec")],
    )
    .unwrap();
    let p = problems(&s.metadata(), AS_ISSUER, &s.jwks());
    assert!(p.is_empty(), "{p:#?}");
}

#[test]
fn the_validator_catches_an_es256_only_document() {
    // What strict clients (Authlib, openidconnect-rs) refused before.
    let s = AuthorizationServer::new(ServerConfig::new(AS_ISSUER), es256_key("ec"));
    let p = problems(&s.metadata(), AS_ISSUER, &s.jwks());
    assert_eq!(p, ["RS256 MUST be included (Discovery §3)"]);
}
