//! The happy paths: code + PKCE, refresh rotation, client credentials,
//! discovery and JWKS, key rotation.
mod common;
use common::server::*;
use common::*;
use serde_json::json;
use sesame_core::idtoken::token_hash;
use sesame_core::jose::Algorithm;
use sesame_server::MemoryStore;

#[test]
fn metadata_advertises_the_security_properties() {
    let m = server().metadata();
    assert_eq!(m["issuer"], AS_ISSUER);
    assert_eq!(m["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(m["authorization_response_iss_parameter_supported"], true);
    assert_eq!(m["response_types_supported"], json!(["code"]));
    assert_eq!(m["token_endpoint"], "https://as.example/token");
    assert_eq!(m["jwks_uri"], "https://as.example/jwks.json");
    assert_eq!(m["id_token_signing_alg_values_supported"], json!(["ES256"]));
    // Sesame's own client accepts this document.
    sesame_core::discovery::ProviderMetadata::from_json(AS_ISSUER, m.to_string().as_bytes())
        .unwrap();
}

#[test]
fn code_flow_issues_at_jwt_access_token_id_token_and_refresh_token() {
    let (s, store) = (server(), MemoryStore::default());
    let req = s
        .authorize(&authorize_query("web", "https://app.example/cb", ""))
        .unwrap();
    let redirect = block_on(s.approve(
        &req,
        "user-42",
        json!({"role": "admin"}).as_object().cloned().unwrap(),
        &store,
        now(),
        &rng(),
    ))
    .unwrap();
    let q: std::collections::HashMap<_, _> = redirect.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "st-1");
    assert_eq!(q["iss"], AS_ISSUER, "RFC 9207 iss in every response");
    // `<family>.<random>`: 16 and 32 random bytes, base64url.
    let (family, random) = q["code"].split_once('.').unwrap();
    assert_eq!((family.len(), random.len()), (22, 43));

    let resp = redeem(&s, &store, &q["code"], now() + secs(5));
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let b = body(&resp);
    assert_eq!(b["token_type"], "Bearer");
    assert_eq!(b["expires_in"], 600);
    let (typ, at) = claims_of(&s, b["access_token"].as_str().unwrap());
    assert_eq!(typ.as_deref(), Some("at+jwt"));
    for k in [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "jti",
        "client_id",
        "scope",
    ] {
        assert!(at.contains_key(k), "{k}");
    }
    assert_eq!(at["sub"], "user-42");
    assert_eq!(at["client_id"], "web");
    assert_eq!(at["aud"], "https://as.example/api");
    assert_eq!(at["scope"], "openid api:read");
    assert_eq!(at["role"], "admin", "app claims are carried");

    let (_, id) = claims_of(&s, b["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], "web");
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(
        id["at_hash"],
        token_hash(Algorithm::ES256, b["access_token"].as_str().unwrap())
    );
    // Sesame's client validates the ID token end to end.
    let keys = sesame_core::jose::JwkSet::parse(s.jwks().to_string().as_bytes()).unwrap();
    sesame_core::idtoken::IdTokenValidator::new(AS_ISSUER, "web")
        .nonce("n-1")
        .validate(
            b["id_token"].as_str().unwrap(),
            &keys,
            now() + secs(5),
            b["access_token"].as_str(),
        )
        .unwrap();

    // Refresh rotates.
    let rt = b["refresh_token"].as_str().unwrap();
    let req = token_request(
        form(&[("grant_type", "refresh_token"), ("refresh_token", rt)]),
        Some(("web", "web-secret")),
    );
    let r2 = block_on(s.token(&req, &store, now() + secs(60), &rng()));
    assert_eq!(r2.status(), 200);
    let b2 = body(&r2);
    assert_ne!(b2["refresh_token"], b["refresh_token"]);
    assert_eq!(
        claims_of(&s, b2["access_token"].as_str().unwrap()).1["role"],
        "admin"
    );
}

/// `user-42` signed in at `web`: the token response of its code.
fn signed_in(s: &sesame_server::AuthorizationServer, store: &MemoryStore) -> serde_json::Value {
    let req = s
        .authorize(&authorize_query("web", "https://app.example/cb", ""))
        .unwrap();
    let redirect =
        block_on(s.approve(&req, "user-42", Default::default(), store, now(), &rng())).unwrap();
    let code = redirect
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    body(&redeem(s, store, &code, now() + secs(5)))
}

#[test]
fn a_rotation_narrows_the_access_token_but_keeps_the_grant() {
    let (s, store) = (server(), MemoryStore::default());
    let b = signed_in(&s, &store);
    // The refresh token names its family, which the access token carries as `sid`.
    let sid = claims_of(&s, b["access_token"].as_str().unwrap()).1["sid"].clone();
    let rt = b["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(rt.rsplit_once('.').unwrap().0, sid.as_str().unwrap());

    let refresh = |rt: &str, scope: Option<&str>, at| {
        let mut f = vec![("grant_type", "refresh_token"), ("refresh_token", rt)];
        f.extend(scope.map(|s| ("scope", s)));
        let req = token_request(form(&f), Some(("web", "web-secret")));
        let r = block_on(s.token(&req, &store, at, &rng()));
        (r.status(), body(&r))
    };
    let (status, narrowed) = refresh(&rt, Some("openid"), now() + secs(60));
    assert_eq!(status, 200);
    assert_eq!(narrowed["scope"], "openid");
    // RFC 6749 §6: the new refresh token keeps the original scope.
    let rt2 = narrowed["refresh_token"].as_str().unwrap();
    assert_eq!(rt2.rsplit_once('.').unwrap().0, sid.as_str().unwrap());
    let (status, full) = refresh(rt2, None, now() + secs(120));
    assert_eq!(status, 200);
    assert_eq!(full["scope"], "openid api:read");
    // The first token again: reuse revokes the family, its newest token too.
    let (status, reused) = refresh(&rt, None, now() + secs(180));
    assert_eq!(status, 400);
    assert_eq!(reused["error"], "invalid_grant");
    let rt3 = full["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(rt3, None, now() + secs(240)).0, 400);
}

#[test]
fn a_forged_family_in_a_refresh_token_finds_nothing() {
    let (s, store) = (server(), MemoryStore::default());
    let b = signed_in(&s, &store);
    let rt = b["refresh_token"].as_str().unwrap();
    let (_, random) = rt.rsplit_once('.').unwrap();
    for forged in [
        format!("other.{random}"),
        random.to_owned(),
        format!(".{random}"),
    ] {
        let req = token_request(
            form(&[("grant_type", "refresh_token"), ("refresh_token", &forged)]),
            Some(("web", "web-secret")),
        );
        let r = block_on(s.token(&req, &store, now() + secs(60), &rng()));
        assert_eq!(r.status(), 400, "{forged}");
    }
    // The real token still works: the forgeries consumed nothing.
    let req = token_request(
        form(&[("grant_type", "refresh_token"), ("refresh_token", rt)]),
        Some(("web", "web-secret")),
    );
    assert_eq!(
        block_on(s.token(&req, &store, now() + secs(60), &rng())).status(),
        200
    );
}

#[test]
fn public_client_redeems_with_pkce_and_client_id_only() {
    let (s, store) = (server(), MemoryStore::default());
    let code = code_for(
        &s,
        &store,
        "spa",
        "http://127.0.0.1:8080/cb",
        no_claims(),
        now(),
    );
    let mut pairs = code_form(&code, "http://127.0.0.1:8080/cb", VERIFIER).to_vec();
    pairs.push(("client_id", "spa"));
    assert_eq!(post_token(&s, &store, &pairs, None).status(), 200);
}

#[test]
fn client_credentials_for_confidential_clients() {
    let (s, store) = (server(), MemoryStore::default());
    let pairs = [("grant_type", "client_credentials"), ("scope", "api:read")];
    let resp = post_token(&s, &store, &pairs, Some(("web", "web-secret")));
    assert_eq!(resp.status(), 200);
    let b = body(&resp);
    assert!(b.get("refresh_token").is_none() && b.get("id_token").is_none());
    assert_eq!(
        claims_of(&s, b["access_token"].as_str().unwrap()).1["sub"],
        "web"
    );
    let pairs = [("grant_type", "client_credentials"), ("client_id", "spa")];
    assert_eq!(
        body(&post_token(&s, &store, &pairs, None))["error"],
        "unauthorized_client"
    );
}

#[test]
fn signing_keys_rotate_publish_then_sign_then_retire() {
    let (s, store) = (server(), MemoryStore::default());
    s.publish_key(new_key("as-key-2"));
    let kids = |s: &sesame_server::AuthorizationServer| -> Vec<String> {
        s.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        kids(&s),
        ["as-key-1", "as-key-2"],
        "published before it signs"
    );
    let code = web_code(&s, &store);
    let old_token = body(&redeem(&s, &store, &code, now()))["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        sesame_core::jose::Header::peek(&old_token)
            .unwrap()
            .kid
            .as_deref(),
        Some("as-key-1")
    );

    assert!(s.activate_key("as-key-2"));
    let code = web_code(&s, &store);
    let new_token = body(&redeem(&s, &store, &code, now()))["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        sesame_core::jose::Header::peek(&new_token)
            .unwrap()
            .kid
            .as_deref(),
        Some("as-key-2")
    );
    // The old key stays published until its tokens expire: both verify.
    claims_of(&s, &old_token);
    claims_of(&s, &new_token);
    assert!(
        !s.retire_key("as-key-2"),
        "the active key cannot be retired"
    );
    assert!(s.retire_key("as-key-1"));
    assert_eq!(kids(&s), ["as-key-2"]);
}

#[test]
fn eddsa_and_rs256_signing_keys_are_selectable() {
    for key in [
        sesame_core::jose::SigningKey::generate(Algorithm::EdDSA, "ed")
            .unwrap()
            .0,
        rs256_key("rs"),
    ] {
        let alg = key.algorithm();
        let config = sesame_server::ServerConfig::new(AS_ISSUER)
            .scopes(["api:read"])
            .client(sesame_server::RegisteredClient::new(
                "web",
                Some("web-secret"),
                &["https://app.example/cb"],
            ));
        let s = sesame_server::AuthorizationServer::new(config, key);
        let store = MemoryStore::default();
        assert_eq!(
            s.metadata()["id_token_signing_alg_values_supported"],
            json!([alg.as_str()])
        );
        let code = web_code(&s, &store);
        let b = body(&redeem(&s, &store, &code, now()));
        let (typ, at) = claims_of(&s, b["access_token"].as_str().unwrap());
        assert_eq!(
            (typ.as_deref(), at["sub"].as_str()),
            (Some("at+jwt"), Some("user-42"))
        );
        let keys = sesame_core::jose::JwkSet::parse(s.jwks().to_string().as_bytes()).unwrap();
        sesame_core::idtoken::IdTokenValidator::new(AS_ISSUER, "web")
            .nonce("n-1")
            .validate(
                b["id_token"].as_str().unwrap(),
                &keys,
                now(),
                b["access_token"].as_str(),
            )
            .unwrap();
    }
}
