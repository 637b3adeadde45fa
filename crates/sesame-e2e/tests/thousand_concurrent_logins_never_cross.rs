//! 1,000 logins of 1,000 distinct users in parallel through the example app:
//! every callback returns its own user. fastapi-sso had exactly this bug and
//! fixed it with a global lock; Sesame keeps each login's state in its own
//! browser's cookie and needs none.
use std::sync::Arc;
use std::time::Instant;

use sesame_e2e::*;
use tokio::sync::Semaphore;

const LOGINS: usize = 1000;
const CONCURRENCY: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_callback_returns_its_own_user() {
    for_each_app("conf-client", Some("conf-secret"), &[], |op, app| async move {
        let client = http_client();
        let gate = Arc::new(Semaphore::new(CONCURRENCY));
        let base = Arc::new(app.base.clone());
        let started = Instant::now();
        let mut tasks = Vec::with_capacity(LOGINS);
        for i in 0..LOGINS {
            let (client, gate, base) = (client.clone(), Arc::clone(&gate), Arc::clone(&base));
            tasks.push(tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.unwrap();
                let user = format!("user-{i:04}");
                let mut b = Browser::new(client);
                let cb = b.until_callback(&base, &user).await;
                // Interleave: yield so other logins' callbacks land between ours.
                tokio::task::yield_now().await;
                let seen = b.get(&cb).await.2;
                (user, seen)
            }));
        }
        let mut crossovers = 0;
        let mut failures = 0;
        for t in tasks {
            let (user, seen) = t.await.unwrap();
            if seen.status != 200 {
                failures += 1;
                eprintln!("{user}: {} {:?}", seen.status, seen.json);
            } else if seen.json["id"] != user.as_str() {
                crossovers += 1;
            }
        }
        let wall = started.elapsed();
        report(&format!(
            "{}: {LOGINS} concurrent logins (concurrency {CONCURRENCY}) in {:.2?} ({:.0} logins/s), {crossovers} crossovers, {failures} failures",
            app.name,
            wall,
            LOGINS as f64 / wall.as_secs_f64()
        ));
        assert_eq!(failures, 0);
        assert_eq!(crossovers, 0);
        app.stop().await;
        op.stop().await;
    })
    .await;
}
