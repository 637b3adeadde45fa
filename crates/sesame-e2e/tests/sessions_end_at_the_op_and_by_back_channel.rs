//! Sessions against the certified OP (rpInitiatedLogout and
//! backchannelLogout enabled), on every example app: the callback makes a
//! session, `/me` reads it, `/logout` ends it here and at the OP (exact
//! RP-Initiated Logout parameters, state checked on the way back), a
//! logout at the OP ends it through back-channel logout, two sessions of
//! one user end one by `sid` and both by `sub`, and refused logout tokens
//! touch no session.
use serde_json::{json, Value};
use sesame_e2e::*;

const CLIENT: &str = "conf-client";
const SECRET: &str = "conf-secret";

fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn me(browser: &mut Browser, app: &App) -> Seen {
    browser.get(&format!("{}/me", app.base)).await.2
}

/// `/me` with an explicit Cookie header (an old cookie kept by an attacker).
async fn me_with(app: &App, cookie: &str) -> u16 {
    http_client()
        .get(format!("{}/me", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .expect("GET /me")
        .status()
        .as_u16()
}

async fn logout_through_the_op(env: &[(&str, &str)]) {
    for_each_app(CLIENT, Some(SECRET), env, |op, app| async move {
        let mut b = Browser::new(http_client());
        let seen = b.login(&app.base, "ada").await;
        assert_eq!(seen.status, 200, "{}: {:?}", app.name, seen.json);
        assert_eq!(seen.json["id"], "ada");
        assert!(
            seen.set_cookies
                .iter()
                .any(|c| c.starts_with("sesame-session=") && c.contains("HttpOnly")),
            "{}: the callback sets the session cookie: {:?}",
            app.name,
            seen.set_cookies
        );
        let who = me(&mut b, &app).await;
        assert_eq!(
            (who.status, who.json["id"].clone()),
            (200, json!("ada")),
            "{}",
            app.name
        );
        // Still signed in on the next request (a reload).
        let home = b.get(&format!("{}/", app.base)).await.2;
        assert_eq!(
            home.json,
            json!({"signed_in": true}),
            "{}: {home:?}",
            app.name
        );
        let old_cookie = b.cookie_header(&app.base);

        let (status, location, out) = b.get(&format!("{}/logout", app.base)).await;
        assert_eq!(status.as_u16(), 303, "{}: {out:?}", app.name);
        let to_op = location.expect("logout location");
        assert!(
            to_op.starts_with(&format!("{}/session/end?", op.issuer)),
            "{to_op}"
        );
        let names: Vec<String> = url::Url::parse(&to_op)
            .unwrap()
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "id_token_hint",
                "post_logout_redirect_uri",
                "client_id",
                "state"
            ]
        );
        assert_eq!(query_param(&to_op, "client_id").unwrap(), CLIENT);
        assert_eq!(
            query_param(&to_op, "post_logout_redirect_uri").unwrap(),
            format!("{}/logout/callback", app.base)
        );
        // The hint is the login's ID token: the OP's, for this client and user, with the login's nonce.
        let hint = query_param(&to_op, "id_token_hint").unwrap();
        let claims = sesame_core::jose::unverified_claims(&hint).expect("a JWT");
        assert_eq!(claims["iss"], json!(op.issuer));
        assert_eq!(claims["aud"], json!(CLIENT));
        assert_eq!(claims["sub"], json!("ada"));
        assert!(
            claims.contains_key("nonce") && claims.contains_key("sid"),
            "{claims:?}"
        );
        let state = query_param(&to_op, "state").unwrap();
        assert!(out
            .set_cookies
            .iter()
            .any(|c| c.starts_with("sesame-session=;") && c.contains("Max-Age=0")));
        // Ended server-side at once: the old cookie is dead.
        assert_eq!(me_with(&app, &old_cookie).await, 401, "{}", app.name);

        // At the OP: confirm; it calls our back-channel route, then sends the browser back.
        let before = op.stats().await["backchannel"]["success"]
            .as_u64()
            .unwrap_or(0);
        let back = b
            .confirm_op_logout(&to_op)
            .await
            .expect("the OP redirects back");
        assert!(
            back.starts_with(&format!("{}/logout/callback?", app.base)),
            "{back}"
        );
        assert_eq!(query_param(&back, "state").unwrap(), state);
        let after = op.stats().await["backchannel"]["success"]
            .as_u64()
            .unwrap_or(0);
        assert_eq!(
            after,
            before + 1,
            "{}: the OP's back-channel call was answered 200",
            app.name
        );
        let (status, home, _) = b.get(&back).await;
        assert_eq!(status.as_u16(), 303, "{}", app.name);
        assert_eq!(home.as_deref(), Some(format!("{}/", app.base).as_str()));
        assert_eq!(
            b.get(&format!("{}/", app.base)).await.2.json,
            json!({"signed_in": false})
        );
        assert_eq!(me(&mut b, &app).await.status, 401);
        assert_eq!(me(&mut b, &app).await.json["error"], "unauthenticated");

        // A forged return (wrong state) is refused.
        let (status, _, _) = b
            .get(&format!("{}/logout/callback?state=forged", app.base))
            .await;
        assert_eq!(status.as_u16(), 400, "{}", app.name);
        app.stop().await;
        op.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_me_logout_at_the_op_and_back() {
    logout_through_the_op(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_with_the_session_sealed_in_its_cookie() {
    logout_through_the_op(&[("SESAME_SESSION_STORAGE", "cookie")]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_at_the_op_ends_the_app_session_by_back_channel() {
    for_each_app(CLIENT, Some(SECRET), &[], |op, app| async move {
        let mut one = Browser::new(http_client());
        let mut two = Browser::new(http_client());
        assert_eq!(one.login(&app.base, "grace").await.status, 200);
        assert_eq!(two.login(&app.base, "grace").await.status, 200);
        assert_eq!(me(&mut one, &app).await.status, 200);
        assert_eq!(me(&mut two, &app).await.status, 200);

        // Browser one logs out at the OP itself (not through the app): the OP
        // announces it by back-channel with that OP session's sid.
        one.confirm_op_logout(&format!("{}/session/end", op.issuer))
            .await;
        assert_eq!(
            me(&mut one, &app).await.status,
            401,
            "{}: ended by sid",
            app.name
        );
        assert_eq!(
            me(&mut two, &app).await.status,
            200,
            "{}: the other session lives",
            app.name
        );

        // A logout token naming only the user ends every session of that user.
        let mut three = Browser::new(http_client());
        assert_eq!(three.login(&app.base, "grace").await.status, 200);
        let mut bob = Browser::new(http_client());
        assert_eq!(bob.login(&app.base, "bob").await.status, 200);
        let token = op
            .sign(&logout_claims(&op, json!({"sub": "grace"}), "by-sub-1"))
            .await;
        let resp = post_logout_token(&app, &token).await;
        assert_eq!(resp.0, 200, "{}: {:?}", app.name, resp.2);
        assert_eq!(resp.1.as_deref(), Some("no-store"));
        assert_eq!(
            me(&mut two, &app).await.status,
            401,
            "{}: ended by sub",
            app.name
        );
        assert_eq!(me(&mut three, &app).await.status, 401);
        assert_eq!(
            me(&mut bob, &app).await.status,
            200,
            "{}: bob is untouched",
            app.name
        );
        // A later login of the same user is a new, live session.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let mut four = Browser::new(http_client());
        assert_eq!(four.login(&app.base, "grace").await.status, 200);
        assert_eq!(me(&mut four, &app).await.status, 200);
        app.stop().await;
        op.stop().await;
    })
    .await;
}

fn logout_claims(op: &Op, extra: Value, jti: &str) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut c = json!({
        "iss": op.issuer,
        "aud": CLIENT,
        "iat": now,
        "exp": now + 120,
        "jti": jti,
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

async fn post_logout_token(app: &App, token: &str) -> (u16, Option<String>, Value) {
    let resp = http_client()
        .post(format!("{}/backchannel-logout", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("logout_token={token}"))
        .send()
        .await
        .expect("POST /backchannel-logout");
    let status = resp.status().as_u16();
    let cache = resp
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body: Value =
        serde_json::from_slice(&resp.bytes().await.unwrap_or_default()).unwrap_or(Value::Null);
    (status, cache, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_logout_tokens_touch_no_session() {
    for_each_app(CLIENT, Some(SECRET), &[], |op, app| async move {
        let mut b = Browser::new(http_client());
        assert_eq!(b.login(&app.base, "edsger").await.status, 200);
        let cases: Vec<(Value, &str)> = vec![
            (json!({"sub": "edsger", "nonce": "n"}), "nonce"),
            (
                json!({"sub": "edsger", "aud": "another-client"}),
                "audience",
            ),
            (
                json!({"sub": "edsger", "iss": "http://127.0.0.1:1"}),
                "issuer",
            ),
            (json!({"sub": "edsger", "events": null}), "event"),
            (json!({"sub": "edsger", "jti": null}), "jti"),
            (json!({"sub": null}), "neither sub nor sid"),
            (
                json!({"sub": "edsger", "exp": 1_000_000, "iat": 999_000}),
                "too old",
            ),
        ];
        for (i, (extra, what)) in cases.into_iter().enumerate() {
            let token = op
                .sign(&logout_claims(&op, extra, &format!("bad-{i}")))
                .await;
            let (status, cache, body) = post_logout_token(&app, &token).await;
            assert_eq!(status, 400, "{}: {what}: {body:?}", app.name);
            assert_eq!(body["error"], "invalid_request", "{what}");
            assert_eq!(cache.as_deref(), Some("no-store"));
            assert_eq!(
                me(&mut b, &app).await.status,
                200,
                "{}: {what} touched the session",
                app.name
            );
        }
        for garbage in [
            "",
            "logout_token=",
            "logout_token=not.a.jwt",
            "logout_token=a&logout_token=b",
        ] {
            let resp = http_client()
                .post(format!("{}/backchannel-logout", app.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(garbage)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 400, "{}: {garbage:?}", app.name);
        }
        // A valid token works once; its replay is refused.
        let token = op
            .sign(&logout_claims(&op, json!({"sub": "nobody"}), "once"))
            .await;
        assert_eq!(post_logout_token(&app, &token).await.0, 200);
        let (status, _, body) = post_logout_token(&app, &token).await;
        assert_eq!(status, 400, "{}: replay", app.name);
        assert!(
            body["error_description"]
                .as_str()
                .unwrap_or("")
                .contains("replayed"),
            "{body:?}"
        );
        assert_eq!(me(&mut b, &app).await.status, 200);
        app.stop().await;
        op.stop().await;
    })
    .await;
}
