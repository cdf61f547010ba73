//! The path every `/api/v2` request takes before its handler: record and count it, check the
//! API key, add latency, then inject an armed fault or call the handler.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, OriginalUri, Query, Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::DEMO_API_KEY_HEADER;
use crate::error::ApiError;
use crate::inject;
use crate::route::Route;
use crate::state::{MAX_DELAY_MS, Shared};

/// Largest request body accepted (and recorded); the demo API takes small JSON documents.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Middleware for the `/api/v2` routes; runs after routing, so the matched route is known.
pub(crate) async fn gate(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|matched| Route::from_template(matched.as_str()));
    let (parts, body) = request.into_parts();
    // The URI as it came off the wire, even if this router is nested under a prefix.
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    let raw_path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());

    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            shared.record(route, &parts, &raw_path, b"");
            return ApiError::for_status(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body is unreadable or larger than {MAX_BODY_BYTES} bytes"),
            )
            .into_response();
        }
    };
    shared.record(route, &parts, &raw_path, &body);
    tracing::debug!(method = %parts.method, path = %raw_path, route = ?route, "demo backend call");

    let presented = parts
        .headers
        .get(DEMO_API_KEY_HEADER)
        .map(|value| value.as_bytes());
    // The platform fakes check the platform's own credentials instead.
    if !route.is_some_and(Route::is_platform) && !shared.accepts_key(presented) {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            format!("missing or invalid {DEMO_API_KEY_HEADER} header"),
        )
        .into_response();
    }

    let extra = match requested_delay(&parts.uri) {
        Ok(extra) => extra,
        Err(error) => return error.into_response(),
    };
    if !shared.pause(extra + shared.delay()).await {
        return ApiError::for_status(
            StatusCode::SERVICE_UNAVAILABLE,
            "the demo backend is shutting down",
        )
        .into_response();
    }

    let fault = route.and_then(|route| shared.take_fault(route).map(|kind| (route, kind)));
    let request = Request::from_parts(parts, Body::from(body));
    match fault {
        None => next.run(request).await,
        Some((route, kind)) => {
            tracing::info!(%route, fault = %kind, "demo backend injecting fault");
            if inject::replaces_handler(kind) {
                inject::respond(kind, route, &shared).await
            } else {
                let response = next.run(request).await;
                inject::spoil(kind, response, shared).await
            }
        }
    }
}

/// The `?delay_ms=N` a caller asked for, capped at [`MAX_DELAY_MS`].
fn requested_delay(uri: &Uri) -> Result<Duration, ApiError> {
    let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(uri) else {
        return Err(ApiError::bad_request("the query string is not valid"));
    };
    let Some((_, value)) = pairs.iter().find(|(name, _)| name == "delay_ms") else {
        return Ok(Duration::ZERO);
    };
    let ms: u64 = value.trim().parse().map_err(|_| {
        ApiError::bad_request(format!(
            "delay_ms must be a whole number of milliseconds (at most {MAX_DELAY_MS}), not `{value}`"
        ))
    })?;
    Ok(Duration::from_millis(ms.min(MAX_DELAY_MS)))
}
