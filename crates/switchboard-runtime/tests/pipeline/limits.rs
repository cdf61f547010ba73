//! Size limits against upstreams that send far too much: a 1 GiB body streamed without a
//! length, and one that declares 1 GiB up front. The call must end as `invalid_response` at
//! the connector's `max_response_bytes`, having read little more than that, so memory stays
//! bounded whatever the upstream sends.

use crate::common;

use axum::Router;
use axum::body::Body;
use axum::http::header;
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Map;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use switchboard_config::model::{OperationRef, OutcomeKind};
use switchboard_runtime::pipeline::CallContext;

const GIB: u64 = 1 << 30;
const CHUNK: usize = 64 * 1024;

/// An upstream whose `/api/v2/big` streams `{"items":["xxxx...` for 1 GiB, counting the bytes
/// it has handed to the connection; `/api/v2/declared` says `Content-Length: 1 GiB`.
async fn flood() -> (SocketAddr, Arc<AtomicU64>) {
    let produced = Arc::new(AtomicU64::new(0));
    let counter = produced.clone();
    let app = Router::new()
        .route(
            "/api/v2/big",
            get(move || {
                let counter = counter.clone();
                async move {
                    let chunk = Bytes::from(vec![b'x'; CHUNK]);
                    let head = Bytes::from_static(b"{\"items\":[\"");
                    let chunks = GIB / CHUNK as u64;
                    let body = futures::stream::iter(
                        std::iter::once(head).chain((0..chunks).map(move |_| chunk.clone())),
                    )
                    .map(move |b| {
                        counter.fetch_add(b.len() as u64, Ordering::Relaxed);
                        Ok::<_, std::io::Error>(b)
                    });
                    Response::builder()
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from_stream(body))
                        .expect("response")
                }
            }),
        )
        .route(
            "/api/v2/declared",
            get(|| async {
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::CONTENT_LENGTH, GIB.to_string())
                    .body(Body::from_stream(futures::stream::pending::<
                        Result<Bytes, std::io::Error>,
                    >()))
                    .expect("response")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, produced)
}

const PROJECT: &str = r#"
connectors:
  flood:
    base_url: BACKEND
    max_response_bytes: 1048576
    timeout: 10s
    retry: { attempts: 1 }
    operations:
      big: { method: GET, path: /big }
      declared: { method: GET, path: /declared }
"#;

#[tokio::test]
async fn a_gigabyte_upstream_is_cut_at_the_size_limit_and_little_more_is_read() {
    let (addr, produced) = flood().await;
    let (project, _dir) = common::inline_project(PROJECT, addr);
    let pipeline = common::pipeline(project);

    let started = Instant::now();
    let record = pipeline
        .call(
            &OperationRef::parse("flood.big").expect("ref"),
            &Map::new(),
            &CallContext::with_budget(Duration::from_secs(10)),
        )
        .await
        .expect("sent");
    let took = started.elapsed();
    assert_eq!(record.outcome, OutcomeKind::InvalidResponse, "{record:?}");
    assert!(
        took < Duration::from_secs(5),
        "cut at the limit, not read to the end: {took:?}"
    );
    // Once the client hangs up the stream is no longer polled; what was produced is the
    // limit plus what fits in socket buffers on the way, far from the gigabyte. The pause
    // only gives a stream that wrongly kept going the chance to show it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sent = produced.load(Ordering::Relaxed);
    eprintln!("1 GiB upstream, 1 MiB limit: {sent} bytes produced, cut after {took:?}");
    assert!(
        sent < 64 * 1024 * 1024,
        "the upstream produced {sent} bytes before the connection closed"
    );

    let started = Instant::now();
    let record = pipeline
        .call(
            &OperationRef::parse("flood.declared").expect("ref"),
            &Map::new(),
            &CallContext::with_budget(Duration::from_secs(10)),
        )
        .await
        .expect("sent");
    assert_eq!(record.outcome, OutcomeKind::InvalidResponse, "{record:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a declared length over the limit is refused before reading: {:?}",
        started.elapsed()
    );
}
