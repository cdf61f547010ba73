//! `POST /v1/webhooks/{source}`: size limit, verification of the raw body, then the inbox
//! commit, and only then the 2xx. `GET` answers Meta's subscription handshake;
//! `GET /v1/admin/webhooks/dead-letters` lists events that exhausted their attempts.

use super::event::{self, EventError};
use super::observe;
use super::{Webhooks, now_ms};
use crate::http::ApiError;
use crate::storage::inbox::{EventStatus, Inserted, NewEvent};
use crate::telemetry::webhook::RejectReason;
use crate::verify::{self, Delivery, VerifyError};
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use switchboard_config::model::{Verify, WebhookSource};

/// How long the inbox commit may take before the sender is told to retry (503). A sender
/// waits for our answer; a store that hangs must not hold it until its own timeout.
pub const COMMIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Sent with every 503: when to try again, in seconds.
const RETRY_AFTER_SECS: &str = "5";

fn machinery(webhooks: Option<&Arc<Webhooks>>) -> Result<&Arc<Webhooks>, ApiError> {
    webhooks.ok_or_else(|| ApiError::not_found("this project has no webhook sources"))
}

fn source<'a>(w: &'a Webhooks, name: &str) -> Result<&'a WebhookSource, ApiError> {
    w.project()
        .webhooks
        .get(name)
        .ok_or_else(|| ApiError::not_found(format!("no webhook source {name:?}")))
}

/// Receives one delivery.
#[utoipa::path(post, path = "/v1/webhooks/{source}", tag = "webhooks",
    params(("source" = String, Path, description = "A source of the project's webhooks")),
    request_body(content = Object, description = "The sender's event, verified on its raw bytes"),
    responses(
        (status = 200, description = "Committed (or a duplicate): the sender may forget it", body = Object),
        (status = 401, description = "The signature does not verify", body = crate::http::ErrorBody),
        (status = 404, description = "No such source", body = crate::http::ErrorBody),
        (status = 413, description = "The body is over the source's limit", body = crate::http::ErrorBody),
        (status = 503, description = "The inbox is unavailable: the sender retries", body = crate::http::ErrorBody),
    ))]
pub async fn receive(
    State(webhooks): State<Option<Arc<Webhooks>>>,
    name: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Path(name) = name?;
    let w = machinery(webhooks.as_ref())?;
    let src = source(w, &name)?;
    let seen = observe::Delivery::received(w, &name);
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("body is over {} bytes", src.max_body_bytes),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > src.max_body_bytes as u64) {
        seen.rejected(RejectReason::Malformed, 413, "body over the limit");
        return Err(too_large());
    }
    let body = match axum::body::to_bytes(body, src.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            seen.rejected(RejectReason::Malformed, 413, "body over the limit");
            return Err(too_large());
        }
    };

    let now_s = now_ms() / 1000;
    let delivery = Delivery {
        headers: &headers,
        body: &body,
        now: now_s,
    };
    let verified = verify::verify(&src.verify, &delivery).map_err(|e| {
        let reason = match e {
            VerifyError::Expired(_) => RejectReason::Stale,
            _ => RejectReason::BadSignature,
        };
        seen.rejected(reason, 401, &e.to_string());
        refused(&name, &e)
    })?;
    seen.verified();

    let malformed = |e: EventError| {
        seen.rejected(RejectReason::Malformed, 400, &e.to_string());
        bad_event(e)
    };
    let event = event::parse_body(&headers, &body).map_err(malformed)?;
    // Slack's Events API checks a new request URL with a signed `url_verification`, whose
    // challenge must come back; it is not an event.
    if matches!(src.verify, Verify::Slack { .. }) && event["type"] == "url_verification" {
        return Ok(Json(json!({ "challenge": event["challenge"] })).into_response());
    }
    let event_id = event::checked(
        event::text_field(&src.event_id, &headers, &event, &body),
        "id",
    )
    .map_err(malformed)?;
    let event_type = event::checked(
        event::text_field(&src.event_type, &headers, &event, &body),
        "type",
    )
    .map_err(malformed)?;
    let happened = src
        .event_time
        .as_ref()
        .and_then(|f| event::unix_seconds(f, &headers, &event, &body))
        .or(verified.timestamp);
    let stale = happened.is_some_and(|t| now_s - t > src.stale_after.as_secs() as i64);
    let new = NewEvent {
        source: name.clone(),
        event_id: event_id.clone(),
        event_type: event_type.clone(),
        payload: event.to_string(),
        received_at: now_ms(),
        settled: stale.then_some(EventStatus::Stale),
    };
    let inserted = match tokio::time::timeout(COMMIT_TIMEOUT, w.inbox().insert(&new)).await {
        Ok(Ok(i)) => i,
        Ok(Err(e)) => return Err(unavailable(&e)),
        Err(_) => return Err(unavailable(&"the inbox did not commit in time")),
    };
    let status = match inserted {
        Inserted::New if stale => "stale",
        Inserted::New => {
            w.notify();
            "accepted"
        }
        Inserted::Duplicate => "duplicate",
    };
    seen.answered(&event_type, status);
    tracing::info!(target: "switchboard::webhooks", source = %name, event_id = %event_id, event_type = %event_type, status, "webhook received");
    Ok((
        StatusCode::OK,
        Json(json!({ "status": status, "event_id": event_id })),
    )
        .into_response())
}

/// 401 for a delivery that fails verification; the reason names the rule, never a secret.
fn refused(source: &str, e: &VerifyError) -> ApiError {
    tracing::warn!(target: "switchboard::webhooks", source, reason = %e, "webhook refused");
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_signature",
        format!("webhook verification failed: {e}"),
    )
}

fn bad_event(e: EventError) -> ApiError {
    ApiError::bad_request(e.to_string())
}

/// 503 with Retry-After: the sender keeps the event and tries again.
fn unavailable(detail: &dyn std::fmt::Display) -> ApiError {
    ApiError::internal(StatusCode::SERVICE_UNAVAILABLE, detail).with_retry_after(RETRY_AFTER_SECS)
}

/// `GET /v1/webhooks/{source}`: echoes `hub.challenge` for a `meta` source whose verify
/// token matches.
#[utoipa::path(get, path = "/v1/webhooks/{source}", tag = "webhooks",
    params(("source" = String, Path, description = "A source whose scheme has a subscription handshake (Meta)")),
    responses(
        (status = 200, description = "The challenge, echoed for the right verify token", content_type = "text/plain", body = String),
        (status = 403, description = "Wrong verify token", body = crate::http::ErrorBody),
        (status = 404, description = "No such source or no handshake", body = crate::http::ErrorBody),
    ))]
pub async fn handshake(
    State(webhooks): State<Option<Arc<Webhooks>>>,
    name: Result<Path<String>, PathRejection>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let Path(name) = name?;
    let w = machinery(webhooks.as_ref())?;
    let src = source(w, &name)?;
    let Verify::Meta { verify_token, .. } = &src.verify else {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "webhooks are delivered with POST; GET is only Meta's subscription handshake",
        ));
    };
    let param = |k: &str| q.get(k).map(String::as_str);
    match verify::handshake(
        verify_token,
        param("hub.mode"),
        param("hub.verify_token"),
        param("hub.challenge"),
    ) {
        Some(challenge) => Ok((StatusCode::OK, challenge.to_string()).into_response()),
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "hub.mode must be subscribe and hub.verify_token must match",
        )),
    }
}

/// `GET /v1/admin/webhooks/dead-letters?limit=N`.
#[utoipa::path(get, path = "/v1/admin/webhooks/dead-letters", tag = "admin",
    params(("limit" = Option<u32>, Query, description = "At most this many events")),
    responses((status = 200, description = "Events that exhausted their attempts, newest first", body = Object)))]
pub async fn dead_letters(
    State(webhooks): State<Option<Arc<Webhooks>>>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let w = machinery(webhooks.as_ref())?;
    let limit = match q.get("limit") {
        None => 100,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::bad_request("limit must be 1 to 1000"))?,
    };
    let list = w
        .inbox()
        .dead_letters(limit)
        .await
        .map_err(|e| unavailable(&e))?;
    Ok(Json(json!({ "dead_letters": list })).into_response())
}
