//! The Rust openidconnect 4 crate (on oauth2 5), with its default settings
//! — strict discovery, RS256-only ID-token verifier — against
//! `examples/authorization-server`: discovery, code + PKCE through the
//! login form, the ID token and its `at_hash`, userinfo, refresh, and a
//! revoked refresh token refused.
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use sesame_e2e::*;
use sesame_reqwest::HttpClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openidconnect_rs_with_default_settings() {
    let redirect = "http://127.0.0.1:9/cb";
    let server = AuthServer::start("web", Some("web-secret"), &[redirect]).await;
    let client = HttpClient::new().unwrap();
    let http = move |req: openidconnect::HttpRequest| {
        let client = client.clone();
        async move { client.execute(req).await }
    };

    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.issuer.clone()).unwrap(), &http)
            .await
            .expect("strict discovery accepts the document");
    let oidc = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("web".into()),
        Some(ClientSecret::new("web-secret".into())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect.into()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = oidc
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("api:read".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let (status, location, _) =
        fill_login_form(&http_client(), url.as_str(), "alice", "alice-pw").await;
    assert_eq!(status, 303);
    let back = url::Url::parse(&location.unwrap()).unwrap();
    let q = |k: &str| {
        back.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(q("state").as_deref(), Some(csrf.secret().as_str()));
    assert_eq!(q("iss").as_deref(), Some(server.issuer.as_str()));

    let tokens = oidc
        .exchange_code(AuthorizationCode::new(q("code").unwrap()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code redemption");
    let id_token = tokens.id_token().expect("an id token");
    let id_verifier = oidc.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("the default (RS256) verifier accepts the id token");
    assert_eq!(claims.subject().as_str(), "alice");
    let expected = claims.access_token_hash().expect("at_hash");
    let actual = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual, expected);

    let info: CoreUserInfoClaims = oidc
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.subject().as_str(), "alice");

    let refresh = tokens.refresh_token().expect("a refresh token").clone();
    let refreshed = oidc
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let rotated = refreshed.refresh_token().expect("rotated").clone();
    assert_ne!(rotated.secret(), refresh.secret());

    // oauth2-rs sends revocations only to https endpoints (RFC 7009 §2);
    // this server is plain http on loopback, so the revocation request
    // itself goes out by hand, in RFC 7009's shape, and the crate then
    // sees the refused refresh.
    let revoked = http_client()
        .post(format!("{}/revoke", server.issuer))
        .basic_auth("web", Some("web-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("token", rotated.secret())
                .append_pair("token_type_hint", "refresh_token")
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let after = oidc
        .exchange_refresh_token(&rotated)
        .unwrap()
        .request_async(&http)
        .await;
    assert!(after.is_err(), "a revoked refresh token is refused");
    server.stop().await;
}
