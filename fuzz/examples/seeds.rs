//! Writes the seed corpora `fuzz/corpus/<target>/`: the RFC 7515 vectors
//! of `crates/sesame-core/tests/vectors/rfc7515.json`, and hand-written
//! valid inputs in each target's input format (tokens signed with the
//! fixture keys, the fixture server's codes and tokens, the fixture
//! login's state). Deterministic: the clock is fixed, the randomness seeded.
//!
//! `cd fuzz && cargo run --example seeds` (rerun after changing a fixture).

use std::path::{Path, PathBuf};

use serde_json::json;
use sesame_core::jose::Algorithm;
use sesame_core::session::{SessionConfig, SessionStorage, Sessions, BACKCHANNEL_LOGOUT_EVENT};
use sesame_fuzz::client::{Rp, CLIENT_ID, DISCOVERY, OP_ISSUER};
use sesame_fuzz::server::{self, Fixture};
use sesame_fuzz::*;

struct Corpus {
    dir: PathBuf,
    n: usize,
}

impl Corpus {
    fn new(root: &Path, target: &str) -> Corpus {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("mkdir");
        for e in std::fs::read_dir(&dir).expect("read_dir") {
            std::fs::remove_file(e.expect("entry").path()).expect("rm");
        }
        Corpus { dir, n: 0 }
    }

    fn add(&mut self, name: &str, bytes: impl AsRef<[u8]>) -> &mut Self {
        self.n += 1;
        let path = self.dir.join(format!("{:02}-{name}", self.n));
        std::fs::write(path, bytes.as_ref()).expect("write seed");
        self
    }
}

/// `mode` byte, then the parts joined by NUL.
fn input(mode: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut v = vec![b'0' + mode];
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            v.push(0);
        }
        v.extend_from_slice(p);
    }
    v
}

/// A response input: status, flags (1 = JSON), body.
fn resp(status: u16, json: bool, body: &str) -> Vec<u8> {
    let mut v = (status - 100).to_be_bytes().to_vec();
    v.push(u8::from(json));
    v.extend_from_slice(body.as_bytes());
    v
}

fn j(v: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&v).expect("json")
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let vectors: serde_json::Value = serde_json::from_str(include_str!(
        "../../crates/sesame-core/tests/vectors/rfc7515.json"
    ))
    .expect("vectors");
    let now = NOW_SECS;
    let hs_header = |typ: &str| j(json!({"alg": "HS256", "kid": HS256_KID, "typ": typ}));

    // jws
    let mut c = Corpus::new(&root, "jws");
    for (name, v) in vectors.as_object().expect("object") {
        c.add(
            name,
            input(0, &[v["compact"].as_str().expect("compact").as_bytes()]),
        );
    }
    c.add("alg-none", input(0, &[b"eyJhbGciOiJub25lIn0.e30."]));
    c.add(
        "garbled",
        input(0, &[b"eyJhbGciOiJFUzI1NiIsImtpZCI6ImEzIn0.e30.AAAA"]),
    );
    c.add(
        "hs256-jwt",
        input(
            1,
            &[
                &hs_header("JWT"),
                &j(json!({"sub": "alice", "exp": now + 600})),
            ],
        ),
    );
    c.add("hs256-no-kid", input(1, &[br#"{"alg":"HS256"}"#, b"{}"]));
    c.add(
        "crit",
        input(1, &[br#"{"alg":"HS256","crit":["b64"]}"#, b"{}"]),
    );
    c.add(
        "eddsa-header",
        input(1, &[br#"{"alg":"EdDSA","kid":"fuzz-ed25519"}"#, b"[]"]),
    );

    // jwk
    let mut c = Corpus::new(&root, "jwk");
    c.add("rfc7515-jwks", RFC7515_JWKS);
    for (name, v) in vectors.as_object().expect("object") {
        // The private JWKs as they are (from_jwk reads the public parameters).
        c.add(name, j(v["jwk"].clone()));
        c.add(
            &format!("{name}-set"),
            j(json!({"keys": [v["jwk"].clone()]})),
        );
    }
    let ed = ed25519_signer().public_jwk().expect("public jwk");
    c.add("ed25519", j(ed.clone()));
    c.add(
        "mixed-set",
        j(json!({"keys": [ed, {"kty": "oct", "k": "c2VjcmV0"},
            {"kty": "EC", "crv": "P-256", "use": "enc", "x": "AA", "y": "AA"},
            {"kty": "RSA", "alg": "ES256", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "crv": "P-384", "key_ops": ["verify"], "x": "AA", "y": "AA"}]})),
    );
    c.add("empty-set", r#"{"keys":[]}"#);

    // seal_open
    let mut c = Corpus::new(&root, "seal_open");
    let sealed = sealer()
        .seal("fuzz", b"hello", sesame_fuzz::now(), &rng())
        .expect("seal");
    c.add("sealed-hello", input(0, &[sealed.as_bytes()]));
    c.add(
        "login-cookie",
        input(
            0,
            &[Rp::get().cookie.split_once('=').expect("pair").1.as_bytes()],
        ),
    );
    c.add("payload", input(1, &[b"hello, sealed world"]));
    let pending = sealer()
        .open(
            sesame_core::client::LOGIN_SEAL_PURPOSE,
            Rp::get().cookie.split_once('=').expect("pair").1,
            sesame_fuzz::now(),
        )
        .expect("the fixture's login cookie opens");
    c.add("pending-login-json", input(2, &[&pending]));

    // callback_params
    let rp = Rp::get();
    let st = &rp.state;
    let iss = "https%3A%2F%2Fop.example.com";
    let mut c = Corpus::new(&root, "callback_params");
    c.add(
        "code",
        input(0, &[format!("code=abc&state={st}&iss={iss}").as_bytes()]),
    );
    c.add(
        "form-post",
        input(
            1,
            &[format!("code=abc&state={st}&iss={iss}&user=%7B%22name%22%3A1%7D").as_bytes()],
        ),
    );
    c.add(
        "error",
        input(
            0,
            &[
                format!("error=access_denied&error_description=no+thanks&state={st}&iss={iss}")
                    .as_bytes(),
            ],
        ),
    );
    c.add("error-no-state", input(0, &[b"error=login_required"]));
    c.add(
        "wrong-state",
        input(0, &[b"code=abc&state=wrong&iss=https://op.example.com"]),
    );
    c.add(
        "no-iss",
        input(0, &[format!("code=abc&state={st}").as_bytes()]),
    );
    c.add("repeated", input(0, &[b"code=a&code=b"]));
    c.add("bad-escape", input(0, &[b"code=%zz&state=%"]));
    c.add(
        "extra-cookies",
        input(
            0,
            &[
                format!("code=abc&state={st}&iss={iss}").as_bytes(),
                b"a=1; sesame-login-x=\"y\"",
            ],
        ),
    );

    // token_response
    let mut c = Corpus::new(&root, "token_response");
    c.add("rfc6749", resp(200, true, r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA"}"#));
    c.add("bearer", resp(200, true, r#"{"access_token":"a","token_type":"Bearer","expires_in":60,"scope":"x y","id_token":"h.p.s"}"#));
    c.add(
        "expires-string",
        resp(
            200,
            true,
            r#"{"access_token":"a","token_type":"bearer","expires_in":"3600"}"#,
        ),
    );
    c.add(
        "scope-array",
        resp(
            200,
            true,
            r#"{"access_token":"a","scope":["openid","email"],"expires_in":1.5e9}"#,
        ),
    );
    c.add("github-error-200", resp(200, true, r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}"#));
    c.add(
        "invalid-grant",
        resp(
            400,
            true,
            r#"{"error":"invalid_grant","error_description":"code already used"}"#,
        ),
    );
    c.add(
        "invalid-client",
        resp(401, true, r#"{"error":"invalid_client"}"#),
    );
    c.add("form-encoded", resp(200, false, "access_token=e72e16c7e42f292c6912e7710c838347ae178b4a&scope=user%2Cgist&token_type=bearer"));
    c.add("fitbit", resp(400, true, r#"{"errors":[{"errorType":"invalid_grant","message":"Authorization code invalid: 5ac2b0b5."}],"success":false}"#));
    c.add("instagram", resp(200, true, r#"{"data":[{"access_token":"IGAAx","user_id":"17841405793187218","permissions":"instagram_business_basic"}]}"#));
    c.add("html-502", resp(502, false, "<html>Bad Gateway</html>"));

    // discovery
    let mut c = Corpus::new(&root, "discovery");
    let mut r = vec![b'0'];
    r.extend(resp(200, true, DISCOVERY));
    c.add("response", r);
    c.add(
        "document",
        input(1, &[OP_ISSUER.as_bytes(), DISCOVERY.as_bytes()]),
    );
    c.add(
        "keycloak-path",
        input(
            1,
            &[
                b"https://id.example.com/realms/main",
                &j(json!({
            "issuer": "https://id.example.com/realms/main",
            "authorization_endpoint": "https://id.example.com/realms/main/auth",
            "token_endpoint": "http://localhost:8080/token",
            "jwks_uri": null,
            "id_token_signing_alg_values_supported": ["RS256", "none", "HS512"]})),
            ],
        ),
    );
    c.add("insecure", input(1, &[b"http://op.example.com", br#"{"issuer":"http://op.example.com","authorization_endpoint":"http://op.example.com/a","token_endpoint":"https://op.example.com/t"}"#]));
    let mut r = vec![b'0'];
    r.extend(resp(404, false, "not found"));
    c.add("status-404", r);

    // logout_token
    let logout_claims = json!({"iss": OP_ISSUER, "aud": CLIENT_ID, "iat": now, "exp": now + 120,
        "jti": "bWJq", "sid": "08a5019c-17e1-4977-8f42-65a12843ea02",
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}}});
    let logout_jwt = sign_hs256(&hs_header("logout+jwt"), &j(logout_claims.clone()));
    let mut c = Corpus::new(&root, "logout_token");
    c.add(
        "form",
        input(0, &[format!("logout_token={logout_jwt}").as_bytes()]),
    );
    c.add(
        "signed-sid",
        input(1, &[&hs_header("logout+jwt"), &j(logout_claims.clone())]),
    );
    c.add(
        "signed-sub",
        input(
            1,
            &[
                &hs_header("JWT"),
                &j(
                    json!({"iss": OP_ISSUER, "aud": [CLIENT_ID, "x"], "iat": now,
            "jti": "j2", "sub": "alice", "events": {BACKCHANNEL_LOGOUT_EVENT: {}}}),
                ),
            ],
        ),
    );
    c.add(
        "with-nonce",
        input(
            1,
            &[
                &hs_header("logout+jwt"),
                &j(json!({"iss": OP_ISSUER, "aud": CLIENT_ID, "iat": now,
            "jti": "j3", "sub": "alice", "nonce": "n", "events": {BACKCHANNEL_LOGOUT_EVENT: {}}})),
            ],
        ),
    );
    c.add("claims", input(2, &[&j(logout_claims)]));
    c.add(
        "rfc7515-es256-form",
        input(0, &[format!("logout_token={RFC7515_ES256}").as_bytes()]),
    );

    // session_cookie
    let session = json!({
        "id": "c2Vzc2lvbi1pZC0wMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM",
        "provider": "example",
        "identity": {"provider": "example", "id": "alice", "email": "alice@example.com",
            "email_verified": true, "name": "Alice", "given_name": null, "family_name": null,
            "preferred_username": "alice", "picture": null, "locale": null, "raw": {"sub": "alice"}},
        "user": null, "linked": [{"provider": "github", "subject": "42"}],
        "tokens": {"access_token": "at", "token_type": "Bearer", "refresh_token": "rt",
            "id_token": "h.p.s", "expires_at": now + 300, "scopes": ["openid"]},
        "issuer": OP_ISSUER, "sid": "sid-1", "created_at": now - 60, "last_active": now - 60});
    let reference = json!({"id": session["id"], "iss": OP_ISSUER, "sub": "alice", "sid": "sid-1"});
    let mut c = Corpus::new(&root, "session_cookie");
    c.add(
        "full-session",
        input(1, &[&j(session.clone()), &j(session.clone())]),
    );
    c.add("reference", input(1, &[&j(reference), &j(session.clone())]));
    c.add(
        "sub-marker",
        input(
            1,
            &[
                &j(session.clone()),
                &j(session.clone()),
                format!("{}", now - 10).as_bytes(),
            ],
        ),
    );
    c.add(
        "cookie-header",
        input(0, &[b"a=1; sesame-session=\"AQID\"; b", b"sesame-session="]),
    );
    c.add(
        "logout-return",
        input(2, &[b"state=abc", b"sesame-logout=xyz"]),
    );
    c.add(
        "logout-state",
        input(3, &[br#"{"state":"abc"}"#, b"state=abc"]),
    );
    // Check that the session seed really opens and resolves (so that the
    // fuzzer starts behind the seal, not in front of it).
    let s = Sessions::new(
        SessionConfig::default().storage(SessionStorage::Cookie),
        sealer(),
    );
    let cookie = format!(
        "sesame-session={}",
        sealer()
            .seal("sesame-session", &j(session), sesame_fuzz::now(), &rng())
            .expect("seal")
    );
    let probe = s
        .read_cookie([cookie.as_str()], sesame_fuzz::now())
        .expect("seed session opens");
    s.resolve(probe, vec![None; 3], sesame_fuzz::now())
        .expect("seed session resolves");

    // bearer
    let at_claims = json!({"iss": "https://id.example.com", "aud": "https://api.example.com",
        "sub": "alice", "exp": now + 600, "iat": now, "nbf": now, "scope": "read write",
        "role": "admin", "client_id": "web", "jti": "1"});
    let mut c = Corpus::new(&root, "bearer");
    c.add(
        "signed-at-jwt",
        input(1, &[&hs_header("at+jwt"), &j(at_claims.clone())]),
    );
    c.add(
        "remote-unknown-kid",
        input(
            1,
            &[
                br#"{"alg":"HS256","kid":"rotated"}"#,
                &j(json!({"iss": "https://remote.example.com",
            "aud": ["https://api.example.com"], "sub": "bob", "exp": now + 60, "scp": ["read"]})),
            ],
        ),
    );
    let at = sign_hs256(&hs_header("at+jwt"), &j(at_claims));
    c.add(
        "header",
        input(0, &[format!("authorization: Bearer {at}").as_bytes()]),
    );
    c.add(
        "lowercase-scheme",
        input(0, &[b"Authorization: bearer   abc.def.ghi  \nx-other: 1"]),
    );
    c.add(
        "two-headers",
        input(0, &[b"authorization: Bearer a\nauthorization: Bearer b"]),
    );
    c.add(
        "basic",
        input(0, &[b"authorization: Basic d2ViOndlYi1zZWNyZXQ="]),
    );
    c.add(
        "opaque",
        input(0, &[b"authorization: Bearer mF_9.B5f-4.1JqM"]),
    );

    // introspection_response
    let mut c = Corpus::new(&root, "introspection_response");
    c.add(
        "active",
        resp(
            200,
            true,
            &json!({"active": true, "sub": "alice", "exp": now + 300,
        "scope": "read write", "client_id": "web", "iss": "https://id.example.com"})
            .to_string(),
        ),
    );
    c.add("inactive", resp(200, true, r#"{"active":false}"#));
    c.add(
        "refresh",
        resp(
            200,
            true,
            &json!({"active": true, "token_type": "refresh_token",
        "sub": "alice", "exp": now + 300})
            .to_string(),
        ),
    );
    c.add(
        "float-exp",
        resp(
            200,
            true,
            &json!({"active": true, "sub": "a", "exp": 1.7000003e9}).to_string(),
        ),
    );
    c.add("error", resp(401, true, r#"{"error":"invalid_client"}"#));

    // id_token
    let at_hash = sesame_core::idtoken::token_hash(Algorithm::HS256, "access-token");
    let mut c = Corpus::new(&root, "id_token");
    for (name, v) in vectors.as_object().expect("object") {
        c.add(
            name,
            input(0, &[v["compact"].as_str().expect("compact").as_bytes()]),
        );
    }
    c.add(
        "exact",
        input(
            1,
            &[
                &hs_header("JWT"),
                &j(json!({"iss": OP_ISSUER, "sub": "alice", "aud": CLIENT_ID,
            "exp": now + 600, "iat": now, "nonce": "n-0S6_WzA2Mj", "at_hash": at_hash})),
            ],
        ),
    );
    c.add(
        "template",
        input(
            1,
            &[
                br#"{"alg":"HS256"}"#,
                &j(
                    json!({"iss": "https://login.example.com/t1/v2.0", "tid": "t1",
            "sub": "alice", "aud": [CLIENT_ID, "other"], "azp": CLIENT_ID, "exp": now + 600,
            "iat": now - 5, "nbf": now - 5}),
                ),
            ],
        ),
    );
    c.add(
        "access-token-typ",
        input(
            1,
            &[
                &hs_header("at+jwt"),
                &j(json!({"iss": OP_ISSUER, "sub": "a", "aud": CLIENT_ID,
            "exp": now + 1, "iat": now})),
            ],
        ),
    );

    // server_*
    let f = Fixture::get();
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut c = Corpus::new(&root, "server_authorize");
    let authz = |client: &str, redirect: &str, scope: &str| {
        format!(
            "response_type=code&client_id={client}&redirect_uri={}&scope={}&state=af0ifjsldkj&nonce=n-0S6_WzA2Mj&code_challenge={}&code_challenge_method=S256",
            enc(redirect), enc(scope), server::CHALLENGE
        )
    };
    c.add(
        "web",
        authz(
            server::WEB_ID,
            server::WEB_REDIRECT,
            "openid profile offline_access",
        ),
    );
    c.add("spa", authz(server::SPA_ID, server::SPA_REDIRECT, "openid"));
    c.add(
        "cli-any-port",
        authz(server::CLI_ID, "http://127.0.0.1:51234/cb", "openid email"),
    );
    c.add(
        "partner-bad-scope",
        authz(server::PARTNER_ID, server::PARTNER_REDIRECT, "openid email"),
    );
    c.add(
        "no-pkce",
        format!(
            "response_type=code&client_id=web&redirect_uri={}",
            enc(server::WEB_REDIRECT)
        ),
    );
    c.add("plain-pkce", format!("response_type=code&client_id=web&redirect_uri={}&code_challenge=abc&code_challenge_method=plain", enc(server::WEB_REDIRECT)));
    c.add(
        "request-object",
        format!(
            "{}&request=eyJhbGciOiJub25lIn0.e30.",
            authz(server::WEB_ID, server::WEB_REDIRECT, "openid")
        ),
    );
    c.add(
        "unregistered-redirect",
        authz(server::WEB_ID, "https://evil.example/cb", "openid"),
    );
    c.add(
        "social-hint",
        format!(
            "{}&provider=github&login_hint=x",
            authz(server::WEB_ID, server::WEB_REDIRECT, "openid")
        ),
    );

    let basic = |id: &str, secret: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    };
    let form_head = "content-type: application/x-www-form-urlencoded\n";
    let mut c = Corpus::new(&root, "server_token");
    c.add(
        "code-post",
        format!(
            "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={}&client_id=web&client_secret=web-secret",
            server::CODE_WEB, enc(server::WEB_REDIRECT), server::VERIFIER
        ),
    );
    c.add(
        "code-basic",
        format!(
            "{form_head}authorization: Basic {}\n\ngrant_type=authorization_code&code={}&redirect_uri={}&code_verifier={}",
            basic("web", "web-secret"), server::CODE_WEB, enc(server::WEB_REDIRECT), server::VERIFIER
        ),
    );
    c.add(
        "code-public",
        format!(
            "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={}&client_id=spa",
            server::CODE_SPA,
            enc(server::SPA_REDIRECT),
            server::VERIFIER
        ),
    );
    c.add(
        "refresh",
        format!(
            "grant_type=refresh_token&refresh_token={}&client_id=web&client_secret=web-secret&scope=openid",
            server::REFRESH_WEB
        ),
    );
    c.add(
        "client-credentials",
        "grant_type=client_credentials&client_id=web&client_secret=web-secret&scope=profile",
    );
    c.add("wrong-verifier", format!("grant_type=authorization_code&code={}&redirect_uri={}&code_verifier=x&client_id=web&client_secret=web-secret", server::CODE_WEB, enc(server::WEB_REDIRECT)));
    c.add(
        "json-body",
        "content-type: application/json\n\n{\"grant_type\":\"client_credentials\"}",
    );
    c.add("two-methods", format!("{form_head}authorization: Basic {}\n\ngrant_type=client_credentials&client_secret=web-secret", basic("web", "web-secret")));

    for (target, extra) in [
        ("server_introspect", "&token_type_hint=access_token"),
        ("server_revoke", ""),
    ] {
        let mut c = Corpus::new(&root, target);
        c.add(
            "access-token",
            format!(
                "token={}&client_id=web&client_secret=web-secret{extra}",
                f.access_token
            ),
        );
        c.add(
            "refresh-token",
            format!(
                "token={}&client_id=web&client_secret=web-secret",
                server::REFRESH_WEB
            ),
        );
        c.add(
            "basic",
            format!(
                "{form_head}authorization: Basic {}\n\ntoken={}",
                basic("web", "web-secret"),
                f.access_token
            ),
        );
        c.add(
            "public-client",
            format!("token={}&client_id=spa", f.access_token),
        );
        c.add(
            "partner",
            format!(
                "token={}&client_id=partner&client_secret=partner-secret",
                server::REFRESH_WEB
            ),
        );
        c.add("no-token", "client_id=web&client_secret=web-secret");
    }
    // The valid seeds reach the grants, not only the refusals.
    let mut c = Corpus::new(&root, "server_par");
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let push = |client: &str, redirect: &str| {
        format!(
            "response_type=code&client_id={client}&redirect_uri={}&scope=openid&state=s-1&nonce=n-1&code_challenge={}&code_challenge_method=S256",
            enc(redirect),
            server::CHALLENGE
        )
    };
    c.add(
        "web-basic",
        format!(
            "{form_head}authorization: Basic {}\n\n{}",
            basic("web", "web-secret"),
            push("web", server::WEB_REDIRECT).replace("client_id=web&", "")
        ),
    );
    c.add(
        "web-post",
        format!(
            "{}&client_secret=web-secret",
            push("web", server::WEB_REDIRECT)
        ),
    );
    c.add("spa-public", push("spa", server::SPA_REDIRECT));
    c.add(
        "with-request-uri",
        format!("{}&request_uri=urn:x", push("spa", server::SPA_REDIRECT)),
    );
    for (target, path) in [
        ("server_token", "/token"),
        ("server_introspect", "/introspect"),
        ("server_revoke", "/revoke"),
        ("server_par", "/par"),
    ] {
        for e in std::fs::read_dir(root.join(target)).expect("dir") {
            let p = e.expect("entry").path();
            let resp = f.post(path, &std::fs::read(&p).expect("read"));
            println!(
                "{target} {}: {} {}",
                p.file_name().unwrap_or_default().to_string_lossy(),
                resp.status(),
                String::from_utf8_lossy(resp.body())
                    .chars()
                    .take(90)
                    .collect::<String>()
            );
        }
    }
    let p =
        sesame_core::client::CallbackParams::from_query(&format!("code=abc&state={st}&iss={iss}"))
            .expect("params");
    let start = rp.service.callback(
        sesame_fuzz::client::PROVIDER_ID,
        rp.metadata.clone(),
        &p,
        [rp.cookie.as_str()],
        sesame_fuzz::now(),
        &sesame_core::random::SeededRandom::new(0),
    );
    assert!(
        start.result.is_ok(),
        "callback seed accepted: {:?}",
        start.result.err()
    );
    let mut v = sesame_core::session::LogoutTokenValidator::new(OP_ISSUER, CLIENT_ID);
    v.algorithms = vec![Algorithm::HS256];
    v.validate(&logout_jwt, key_set(), sesame_fuzz::now())
        .expect("logout seed valid");
    // DPoP proofs: one the harness signs (mode 1), and that proof as text.
    let mut c = Corpus::new(&root, "dpop_proof");
    let dpop_header = j(json!({"typ": "dpop+jwt", "alg": "EdDSA"}));
    let dpop_claims = j(
        json!({"jti": "j-1", "htm": "POST", "htu": "https://id.example.com/token",
        "iat": now, "ath": sesame_core::dpop::ath("access-token-1"), "nonce": "nonce-1"}),
    );
    c.add("signed", input(1, &[&dpop_header, &dpop_claims]));
    let mut h: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&dpop_header).expect("header");
    h.insert("jwk".into(), ed25519_signer().public_jwk().expect("jwk"));
    let proof = ed25519_signer()
        .sign_parts(&serde_json::to_vec(&h).expect("json"), &dpop_claims)
        .expect("sign");
    c.add("text", input(0, &[proof.as_bytes()]));
    let checked = sesame_core::dpop::ProofPolicy::default()
        .check(
            &proof,
            &http::Method::POST,
            &"https://id.example.com/token".parse().expect("url"),
            sesame_fuzz::now(),
            Some("access-token-1"),
            |_| true,
        )
        .expect("dpop seed valid");
    assert!(!checked.jkt().is_empty());
    println!("seeds written to {}", root.display());
}
