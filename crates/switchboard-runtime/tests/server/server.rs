//! The server's own defences and manners: a client that trickles its headers is cut off, and
//! shutdown lets a turn in flight finish.

use crate::common;

use std::time::Duration;
use switchboard_runtime::server::{AppState, router, serve_app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_client_trickling_headers_is_cut_off() {
    let (addr, _backend) = common::backend().await;
    let (engine, _dir) = common::engine(common::store_project(addr)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_addr = listener.local_addr().unwrap();
    let app = router(AppState::with_engine(engine));
    tokio::spawn(serve_app(
        listener,
        app,
        Duration::from_millis(200),
        std::future::pending(),
    ));

    let mut stream = tokio::net::TcpStream::connect(server_addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // The headers never end; the server must close the connection on its own.
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server kept a half-sent request open");
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[tokio::test]
async fn shutdown_lets_a_turn_in_flight_finish() {
    let (addr, backend) = common::backend().await;
    backend.set_delay_ms(300);
    let (engine, _dir) = common::engine(common::store_project(addr)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_app(
        listener,
        router(AppState::with_engine(engine)),
        Duration::from_secs(10),
        async move {
            let _ = stop_rx.await;
        },
    ));

    let request = tokio::spawn(async move {
        reqwest::Client::new()
            .post(format!("http://{server_addr}/v1/chat"))
            .json(&serde_json::json!({"user_id": "u", "text": "weather in Dubai"}))
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    });
    // Wait until the turn has reached the upstream, then ask the server to stop.
    while backend.stats().total == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop_tx.send(()).unwrap();
    let body = request.await.unwrap();
    assert_eq!(body["replies"][0]["text"], "In Dubai it's 31°C and sunny.");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server stops")
        .unwrap()
        .unwrap();
}
