//! The layers every request to the server passes, outermost first: a request id (set when
//! the client sent none, and echoed on the answer), a trace span carrying it into every log
//! line of the request, a JSON 500 instead of a dropped connection when a handler panics, the
//! request's deadline, and the body limit. `app` adds the host check, the scope gate and the
//! API description inside them; the benchmarks' hand-written server (`baseline --layers`)
//! puts the same stack around its own routes to price it.

use crate::http::ApiError;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use std::any::Any;
use std::time::Duration;
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The header a request's id travels in.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How a request's span is made, and what a panic answers.
type MakeSpan = fn(&Request<Body>) -> tracing::Span;
type OnPanic = fn(Box<dyn Any + Send + 'static>) -> Response;

/// The stack [`common`] builds, named so it can be composed into a larger `ServiceBuilder`
/// (one `Router::layer` call: axum boxes the routes again for every call).
pub type Common = ServiceBuilder<
    Stack<
        DefaultBodyLimit,
        Stack<
            TimeoutLayer,
            Stack<
                CatchPanicLayer<OnPanic>,
                Stack<
                    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, MakeSpan>,
                    Stack<
                        PropagateRequestIdLayer,
                        Stack<SetRequestIdLayer<MakeRequestUuid>, Identity>,
                    >,
                >,
            >,
        >,
    >,
>;

/// The common layers, with `request_timeout` as every request's deadline.
pub fn common(request_timeout: Duration) -> Common {
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(request_span as MakeSpan))
        .layer(CatchPanicLayer::custom(internal_error as OnPanic))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            request_timeout,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

fn request_span(req: &Request<Body>) -> tracing::Span {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}

fn internal_error(_panic: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error",
    )
    .into_response()
}
