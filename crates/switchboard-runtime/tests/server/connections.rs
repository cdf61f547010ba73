//! Connection limits of the accept loop, against the real server on 127.0.0.1: sockets that
//! never show their protocol (silent, or part of the HTTP/2 preface) are closed after the
//! handshake timeout, idle keep-alive connections after the idle timeout, and more idle
//! sockets than the cap cannot keep clients with requests out: the oldest idle ones are
//! closed to make room. The server's `/metrics` counts each of them (open connections by
//! state, closings by reason).

use crate::common;

use std::net::SocketAddr;
use std::time::Duration;
use switchboard_config::model::ConnectionLimits;
use switchboard_runtime::server::{AppState, HEADER_READ_TIMEOUT, Limits, router, serve_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The first 16 of the 24 bytes of the HTTP/2 preface.
const PARTIAL_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n";

/// What a test keeps alive while its server runs.
type Keep = (tempfile::TempDir, switchboard_demo_backend::DemoBackend);

async fn server(limits: ConnectionLimits) -> (SocketAddr, Keep) {
    let (addr, backend) = common::backend().await;
    let (engine, dir) = common::engine(common::store_project(addr)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_addr = listener.local_addr().unwrap();
    let telemetry = engine.pipeline().telemetry().clone();
    tokio::spawn(serve_with(
        listener,
        router(AppState::with_engine(engine)),
        Limits::new(&limits, HEADER_READ_TIMEOUT),
        Some(telemetry),
        std::future::pending(),
    ));
    (server_addr, (dir, backend))
}

/// Waits for the server to close the socket (EOF or reset), at most `within`.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut buf))
        .await
        .is_ok()
}

/// Whether the socket is still open with nothing to read (the server has not closed it).
fn still_open(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 64];
    matches!(stream.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

async fn healthz(addr: SocketAddr) -> u16 {
    healthz_with(&reqwest::Client::new(), addr).await
}

async fn healthz_with(client: &reqwest::Client, addr: SocketAddr) -> u16 {
    client
        .get(format!("http://{addr}/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("a legitimate request is answered")
        .status()
        .as_u16()
}

/// The value of one series in the server's `/metrics` (0 when absent).
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}

/// Reads `/metrics` through `client` until every `(series, value)` holds, at most 5 s (the
/// server removes a closed connection just after its socket closes); returns the last text.
async fn metrics_until(client: &reqwest::Client, addr: SocketAddr, want: &[(&str, f64)]) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let text = client
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if want.iter().all(|(series, v)| value(&text, series) == *v) {
            return text;
        }
        if tokio::time::Instant::now() >= deadline {
            let got: Vec<_> = want.iter().map(|(s, _)| (s, value(&text, s))).collect();
            panic!("metrics never reached {want:?}; last {got:?}\n{text}");
        }
        tokio::task::yield_now().await;
    }
}

const OPEN_HANDSHAKE: &str = "switchboard_http_connections_open{state=\"handshake\"}";
const OPEN_IDLE: &str = "switchboard_http_connections_open{state=\"idle\"}";
const OPEN_BUSY: &str = "switchboard_http_connections_open{state=\"busy\"}";

fn closed(reason: &str) -> String {
    format!("switchboard_http_connections_closed_total{{reason=\"{reason}\"}}")
}

#[tokio::test]
async fn more_idle_sockets_than_the_cap_still_leave_room_for_requests() {
    let cap = 64;
    let (addr, _keep) = server(ConnectionLimits {
        max: Some(cap),
        // Long timers: only the cap can close these sockets during the test.
        handshake_timeout: Duration::from_secs(120),
        idle_timeout: Duration::from_secs(120),
    })
    .await;
    let mut idle = Vec::new();
    for i in 0..100 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        if i % 2 == 1 {
            s.write_all(PARTIAL_PREFACE).await.unwrap();
        }
        idle.push(s);
    }
    let requests = 8;
    let mut clients = Vec::new();
    for _ in 0..requests {
        // A new client each time: a new connection, which must find room (and stays open,
        // idle, as the client keeps it).
        let client = reqwest::Client::new();
        assert_eq!(healthz_with(&client, addr).await, 200);
        clients.push(client);
    }
    // Every socket has been accepted by now (the listener takes them in order), and each
    // connection past the cap closed the one idle longest: the oldest sockets.
    let shed = 100 + requests - cap as usize;
    for (i, s) in idle.iter_mut().enumerate().take(shed) {
        assert!(
            closed_by_server(s, Duration::from_secs(5)).await,
            "idle socket {i} (of the oldest {shed}) was not closed"
        );
    }
    let newest = &idle[shed + 4..];
    assert!(
        newest.iter().all(still_open),
        "a newer idle socket was closed before the older ones"
    );

    // Counted: every closing past the cap as shed, the sockets left as still in their
    // handshake, the clients' kept-alive connections as idle, and the one reading /metrics
    // (a connection the last client already has, so nothing more is shed) as busy.
    let (closed_shed, closed_client) = (closed("shed"), closed("client"));
    let reader = clients.pop().unwrap();
    let text = metrics_until(
        &reader,
        addr,
        &[
            (&closed_shed, shed as f64),
            (OPEN_HANDSHAKE, (100 - shed) as f64),
            (OPEN_IDLE, (requests - 1) as f64),
            (OPEN_BUSY, 1.0),
        ],
    )
    .await;
    assert_eq!(value(&text, &closed("handshake_timeout")), 0.0, "{text}");
    // A client that goes away is counted as such, and leaves the idle ones.
    drop(clients.pop());
    metrics_until(
        &reader,
        addr,
        &[
            (&closed_client, 1.0),
            (OPEN_IDLE, (requests - 2) as f64),
            (&closed_shed, shed as f64),
        ],
    )
    .await;
}

#[tokio::test]
async fn sockets_that_never_show_their_protocol_are_closed_after_the_handshake_timeout() {
    let (addr, _keep) = server(ConnectionLimits {
        max: None,
        handshake_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(120),
    })
    .await;
    let started = tokio::time::Instant::now();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut partial = TcpStream::connect(addr).await.unwrap();
    partial.write_all(PARTIAL_PREFACE).await.unwrap();
    assert!(
        closed_by_server(&mut partial, Duration::from_secs(5)).await,
        "a socket that sent part of the HTTP/2 preface was held open"
    );
    assert!(
        closed_by_server(&mut silent, Duration::from_secs(5)).await,
        "a socket that sent nothing was held open"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "closed before the handshake timeout"
    );
    // A client that shows its protocol in time is served as before.
    assert_eq!(healthz(addr).await, 200);
    // Both closings counted as handshake timeouts; none is left in its handshake (the
    // socket reading /metrics showed its protocol).
    let closed_handshake = closed("handshake_timeout");
    metrics_until(
        &reqwest::Client::new(),
        addr,
        &[
            (&closed_handshake, 2.0),
            (OPEN_HANDSHAKE, 0.0),
            (OPEN_BUSY, 1.0),
        ],
    )
    .await;
}

#[tokio::test]
async fn idle_keep_alive_connections_are_closed_on_http1_and_http2() {
    let (addr, _keep) = server(ConnectionLimits {
        max: None,
        handshake_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_millis(300),
    })
    .await;

    // HTTP/1: one request on a keep-alive connection, then silence.
    let mut h1 = TcpStream::connect(addr).await.unwrap();
    h1.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), h1.read_to_end(&mut response)).await;
    assert!(
        read.is_ok(),
        "an idle HTTP/1 keep-alive connection was held open"
    );
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");

    // HTTP/2: the whole preface and an empty SETTINGS frame, then no stream at all.
    let mut h2 = TcpStream::connect(addr).await.unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    h2.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await.unwrap();
    let mut frames = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), h2.read_to_end(&mut frames)).await;
    assert!(read.is_ok(), "an idle HTTP/2 connection was held open");
    // The server said goodbye properly: a GOAWAY frame (type 7) among what it sent.
    assert!(frame_types(&frames).contains(&7), "no GOAWAY in {frames:?}");
    // Both counted as idle timeouts, and nothing else closed.
    let (closed_idle, closed_shed) = (closed("idle_timeout"), closed("shed"));
    metrics_until(
        &reqwest::Client::new(),
        addr,
        &[(&closed_idle, 2.0), (&closed_shed, 0.0), (OPEN_IDLE, 0.0)],
    )
    .await;
}

/// The frame types in a run of HTTP/2 frames.
fn frame_types(mut bytes: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    while bytes.len() >= 9 {
        let len =
            (usize::from(bytes[0]) << 16) | (usize::from(bytes[1]) << 8) | usize::from(bytes[2]);
        types.push(bytes[3]);
        bytes = &bytes[(9 + len).min(bytes.len())..];
    }
    types
}
