//! The OP rotates its signing keys between two logins: the JWKS cache sees
//! an unknown kid, refetches once, and the second login succeeds.
use sesame_e2e::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_login_after_rotation_succeeds() {
    for (client, secret) in [("conf-client", Some("conf-secret")), ("pub-client", None)] {
        for_each_app(client, secret, &[], |op, app| async move {
            let first = Browser::new(http_client()).login(&app.base, "before").await;
            assert_eq!(first.status, 200, "{}: {:?}", app.name, first.json);
            let kids = op.rotate_keys().await;
            assert!(!kids.is_empty());
            let second = Browser::new(http_client()).login(&app.base, "after").await;
            assert_eq!(
                second.status, 200,
                "{} after rotation: {:?}",
                app.name, second.json
            );
            assert_eq!(second.json["id"], "after");
            app.stop().await;
            op.stop().await;
        })
        .await;
    }
}
