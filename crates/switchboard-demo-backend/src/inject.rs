//! What each fault kind does to a response: the misbehaviour a client actually observes.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::stream;

use crate::error::ApiError;
use crate::fault::FaultKind;
use crate::route::Route;
use crate::state::Shared;

/// How long a hang lasts when nothing shuts the server down: far beyond any sane timeout.
const HANG_FOR: Duration = Duration::from_secs(3600);

/// Gap between two bytes of a slow drip.
const DRIP_EVERY: Duration = Duration::from_millis(100);

/// Size the huge body reaches (a little over, since whole items are written).
const HUGE_BYTES: usize = 10 * 1024 * 1024;

/// Largest body a slow drip or reset will buffer from the real handler.
const MAX_BUFFERED: usize = 16 * 1024 * 1024;

/// Whether the fault replaces the handler entirely (`true`), or lets the handler run and
/// spoils its answer in transit (`false`: slow drip, reset). The latter is how a real
/// network loses the answer to work the server did, which idempotency tests need.
pub(crate) fn replaces_handler(kind: FaultKind) -> bool {
    !matches!(kind, FaultKind::SlowDrip | FaultKind::Reset)
}

/// The answer for a fault that replaces the handler.
pub(crate) async fn respond(kind: FaultKind, route: Route, shared: &Shared) -> Response {
    match kind {
        FaultKind::Status(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ApiError::for_status(
                status,
                format!("injected fault: {route} answered {}", status.as_u16()),
            )
            .into_response()
        }
        FaultKind::RateLimited { retry_after_secs }
        | FaultKind::Unavailable { retry_after_secs } => {
            let (status, what) = if matches!(kind, FaultKind::RateLimited { .. }) {
                (StatusCode::TOO_MANY_REQUESTS, "is rate limited")
            } else {
                (StatusCode::SERVICE_UNAVAILABLE, "is down for maintenance")
            };
            let mut response = ApiError::for_status(
                status,
                format!("injected fault: {route} {what}; retry after {retry_after_secs} s"),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        FaultKind::Hang => {
            // Only a shutdown ends the pause early; then answer so the connection can close.
            shared.pause(HANG_FOR).await;
            let mut response = ApiError::for_status(
                StatusCode::SERVICE_UNAVAILABLE,
                "the demo backend is shutting down",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
        FaultKind::NotJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<html><head><title>Maintenance</title></head>\
             <body><h1>We'll be right back</h1><p>The store is down for maintenance.</p>\
             </body></html>",
        )
            .into_response(),
        FaultKind::SchemaBreak => json_bytes(Bytes::from_static(
            br#"{"unexpected":true,"data":null,"note":"this is not the usual shape"}"#,
        )),
        FaultKind::Huge => json_bytes(huge_body()),
        FaultKind::InvalidUtf8 => json_bytes(Bytes::from_static(
            b"{\"status\":\"ok\",\"name\":\"\xff\xfe\xc3\x28 broken\"}",
        )),
        // Handled by `spoil`; answering here keeps the match total without a panic.
        FaultKind::SlowDrip | FaultKind::Reset => {
            ApiError::for_status(StatusCode::INTERNAL_SERVER_ERROR, "fault misrouted")
                .into_response()
        }
    }
}

/// Spoils the handler's real answer in transit, for slow drip and reset.
pub(crate) async fn spoil(kind: FaultKind, response: Response, shared: Arc<Shared>) -> Response {
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    match kind {
        FaultKind::Reset => {
            // The stream fails before any byte: hyper drops the connection mid-response.
            let broken = stream::once(async {
                Err::<Bytes, io::Error>(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "injected connection reset",
                ))
            });
            Response::from_parts(parts, Body::from_stream(broken))
        }
        _ => {
            let bytes = axum::body::to_bytes(body, MAX_BUFFERED)
                .await
                .unwrap_or_default();
            Response::from_parts(parts, Body::from_stream(drip(bytes, shared)))
        }
    }
}

/// One byte at a time, the first at once (so headers go out immediately), then one per
/// [`DRIP_EVERY`]; stops early when the server shuts down.
fn drip(
    bytes: Bytes,
    shared: Arc<Shared>,
) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    stream::unfold((bytes, 0usize, shared), |(bytes, at, shared)| async move {
        if at >= bytes.len() {
            return None;
        }
        if at > 0 && !shared.pause(DRIP_EVERY).await {
            return None;
        }
        let chunk = bytes.slice(at..at + 1);
        Some((Ok(chunk), (bytes, at + 1, shared)))
    })
}

/// A 200 `application/json` answer with these exact bytes.
fn json_bytes(bytes: Bytes) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

/// About 10 MB of valid JSON, built once and shared (cloning `Bytes` copies nothing).
fn huge_body() -> Bytes {
    static HUGE: OnceLock<Bytes> = OnceLock::new();
    HUGE.get_or_init(|| {
        let filler = "x".repeat(1000);
        let mut text = String::with_capacity(HUGE_BYTES + 2048);
        text.push_str("{\"items\":[");
        let mut id = 0u64;
        while text.len() < HUGE_BYTES {
            if id > 0 {
                text.push(',');
            }
            // Writing to a String cannot fail.
            let _ = write!(
                text,
                "{{\"id\":{id},\"name\":\"item {id}\",\"notes\":\"{filler}\"}}"
            );
            id += 1;
        }
        text.push_str("]}");
        Bytes::from(text)
    })
    .clone()
}
