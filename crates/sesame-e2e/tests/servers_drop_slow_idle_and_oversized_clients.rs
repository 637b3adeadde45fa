//! `sesame_axum::serve` and `sesame_poem::serve` over real loopback
//! sockets, each scenario on both: a client trickling its headers and a
//! kept-alive connection left idle are closed after the header timeout, a
//! slow handler is answered 408, connections beyond the cap wait, and the
//! authorization server refuses a declared 10 GB body before reading it.
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ADAPTERS: [&str; 2] = ["axum", "poem"];

/// The same small app on `adapter`, served with `limits`; its address.
async fn start(adapter: &str, limits: sesame_reqwest::ServerLimits) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    if adapter == "axum" {
        let app = axum::Router::new()
            .route("/", axum::routing::get(|| async { "ok" }))
            .route(
                "/slow",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            );
        tokio::spawn(sesame_axum::serve(listener, app, limits));
    } else {
        let app = poem::Route::new()
            .at("/", poem::endpoint::make_sync(|_| "ok"))
            .at(
                "/slow",
                poem::endpoint::make(|_| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            );
        tokio::spawn(sesame_poem::serve(listener, app, limits));
    }
    addr
}

fn limits() -> sesame_reqwest::ServerLimits {
    sesame_reqwest::ServerLimits::default()
        .header_read_timeout(Duration::from_millis(500))
        .request_timeout(Duration::from_millis(700))
        .max_connections(2)
}

/// Reads until the peer closes (or 5 s pass); returns what came and when it closed.
async fn read_to_close(s: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
    (
        String::from_utf8_lossy(&out).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn trickled_headers_are_cut_off() {
    for adapter in ADAPTERS {
        let addr = start(adapter, limits()).await;
        let mut s = TcpStream::connect(&addr).await.unwrap();
        let started = Instant::now();
        for b in b"GET / HTTP/1.1\r\nHost: x\r\n".iter() {
            if s.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            if started.elapsed() > Duration::from_secs(3) {
                break;
            }
        }
        let (_, _) = read_to_close(&mut s).await;
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{adapter}: closed after the header timeout, not served: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn idle_kept_alive_connections_are_closed() {
    for adapter in ADAPTERS {
        let addr = start(adapter, limits()).await;
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let (answer, waited) = read_to_close(&mut s).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{adapter}: {answer}");
        assert!(
            waited < Duration::from_secs(2),
            "{adapter}: idle for {waited:?}"
        );
    }
}

#[tokio::test]
async fn slow_requests_get_408() {
    for adapter in ADAPTERS {
        let addr = start(adapter, limits()).await;
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let (answer, waited) = read_to_close(&mut s).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{adapter}: {answer}");
        assert!(waited < Duration::from_secs(2));
    }
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    for adapter in ADAPTERS {
        let addr = start(adapter, limits()).await;
        // Two connections hold both slots (until their header timeout).
        let _a = TcpStream::connect(&addr).await.unwrap();
        let _b = TcpStream::connect(&addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        let mut c = TcpStream::connect(&addr).await.unwrap();
        c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let (answer, _) = read_to_close(&mut c).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            started.elapsed() >= Duration::from_millis(300),
            "{adapter}: served only once a slot freed: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_declared_huge_body_is_refused_before_it_is_read() {
    use sesame_core::jose::{Algorithm, SigningKey};
    use sesame_core::seal::{Sealer, SealingKey};
    use sesame_server::{
        AuthServerService, AuthorizationServer, MemoryStore, ServerConfig, StaticUsers,
    };
    let service = Arc::new(AuthServerService::new(
        Arc::new(AuthorizationServer::new(
            ServerConfig::new("http://127.0.0.1"),
            SigningKey::generate(Algorithm::ES256, "k").unwrap().0,
        )),
        Arc::new(MemoryStore::default()),
        Arc::new(StaticUsers::default()),
        Sealer::new(SealingKey::from_bytes([1; 32])),
    ));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(sesame_axum::serve(
        listener,
        sesame_axum::authorization_server(Arc::clone(&service)),
        limits(),
    ));
    declared_huge_body_refused(&addr).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(sesame_poem::serve(
        listener,
        sesame_poem::authorization_server(service),
        limits(),
    ));
    declared_huge_body_refused(&addr).await;
}

async fn declared_huge_body_refused(addr: &str) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000000\r\n\r\ngrant_type=",
    )
    .await
    .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf))
        .await
        .expect("answered without waiting for 10 GB")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_silent_connection_is_closed_too() {
    for adapter in ADAPTERS {
        let addr = start(adapter, limits()).await;
        let mut s = TcpStream::connect(&addr).await.unwrap();
        let (answer, waited) = read_to_close(&mut s).await;
        assert!(answer.is_empty());
        assert!(
            waited < Duration::from_secs(2),
            "{adapter}: held for {waited:?}"
        );
    }
}
