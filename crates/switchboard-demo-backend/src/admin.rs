//! Admin routes (no API key): arm and clear faults, read and reset stats, read the request
//! log, set the global delay, and the health check.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::fault::{FaultKind, FaultSpec, KINDS_HELP, parse_count};
use crate::record::{RecordedRequest, Stats};
use crate::route::Route;
use crate::routes::{QueryParams, json_object};
use crate::state::{MAX_DELAY_MS, Shared};

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/admin/faults",
            get(list_faults).post(set_fault).delete(clear_faults),
        )
        .route("/admin/stats", get(stats).delete(reset_stats))
        .route("/admin/requests", get(requests))
        .route("/admin/delay", get(delay).post(set_delay))
        .route("/admin/webhook", get(webhook).post(set_webhook))
        .route("/admin/payments", axum::routing::post(make_payment))
        .route(
            "/admin/payments/{id}/settle",
            axum::routing::post(settle_payment),
        )
        .route(
            "/admin/channels/{platform}/sent",
            get(channel_sent).delete(clear_channel_sent),
        )
        .route("/healthz", get(healthz))
}

/// An armed fault as the admin API shows it.
#[derive(Serialize)]
struct FaultView {
    route: Route,
    fault: String,
    /// Calls still to be faulted; `null` means until cleared.
    remaining: Option<u64>,
    /// The same fault in CLI syntax.
    spec: String,
}

fn fault_list(shared: &Shared) -> Json<Value> {
    let faults: Vec<FaultView> = shared
        .faults()
        .into_iter()
        .map(|spec| FaultView {
            route: spec.route,
            fault: spec.kind.to_string(),
            remaining: spec.count,
            spec: spec.to_string(),
        })
        .collect();
    Json(json!({ "faults": faults }))
}

/// `GET /admin/faults`
async fn list_faults(State(shared): State<Arc<Shared>>) -> Json<Value> {
    fault_list(&shared)
}

/// `POST /admin/faults` with `{"route": "orders", "fault": "503", "count": 3}`.
async fn set_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Json<Value>> {
    let spec = parse_fault_request(&body).map_err(|problem| {
        ApiError::bad_request(format!(
            "{problem}. Expected {{\"route\": ROUTE, \"fault\": KIND, \"count\": N (optional)}}; \
             valid routes: {}; valid kinds: {KINDS_HELP}",
            Route::names()
        ))
    })?;
    shared.set_fault(spec);
    Ok(fault_list(&shared))
}

fn parse_fault_request(body: &[u8]) -> Result<FaultSpec, String> {
    let fields = json_object(body).map_err(|error| error.message)?;
    let route: Route = match fields.get("route") {
        Some(Value::String(route)) => route.parse().map_err(|e| format!("{e}"))?,
        _ => return Err("`route` is required and must be a string".to_owned()),
    };
    let kind: FaultKind = match fields.get("fault") {
        Some(Value::String(kind)) => kind.parse().map_err(|e| format!("{e}"))?,
        Some(Value::Number(status)) => status.to_string().parse().map_err(|e| format!("{e}"))?,
        _ => return Err("`fault` is required (a string, or a status number)".to_owned()),
    };
    let count = match fields.get("count") {
        None | Some(Value::Null) => None,
        Some(Value::Number(count)) => {
            Some(parse_count(&count.to_string()).map_err(|e| format!("{e}"))?)
        }
        Some(Value::String(count)) => Some(parse_count(count).map_err(|e| format!("{e}"))?),
        Some(_) => return Err("`count` must be a whole number of calls, at least 1".to_owned()),
    };
    Ok(FaultSpec { route, kind, count })
}

/// `DELETE /admin/faults`, or `DELETE /admin/faults?route=orders` for one route.
async fn clear_faults(State(shared): State<Arc<Shared>>, uri: Uri) -> ApiResult<Json<Value>> {
    let query = QueryParams::parse(&uri)?;
    let route = match query.get("route") {
        Some(route) => Some(
            route
                .parse::<Route>()
                .map_err(|e| ApiError::bad_request(e.to_string()))?,
        ),
        None => None,
    };
    shared.clear_faults(route);
    Ok(fault_list(&shared))
}

/// `GET /admin/stats`
async fn stats(State(shared): State<Arc<Shared>>) -> Json<Stats> {
    Json(shared.stats())
}

/// `DELETE /admin/stats`: zero the counters and empty the request log.
async fn reset_stats(State(shared): State<Arc<Shared>>) -> Json<Stats> {
    shared.reset_stats();
    Json(shared.stats())
}

/// `GET /admin/requests`, oldest first.
async fn requests(State(shared): State<Arc<Shared>>) -> Json<Vec<RecordedRequest>> {
    Json(shared.requests())
}

/// `GET /admin/delay`
async fn delay(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({ "delay_ms": shared.delay().as_millis() }))
}

/// `POST /admin/delay` with `{"ms": 20}`.
async fn set_delay(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Json<Value>> {
    let fields = json_object(&body)?;
    let ms = fields
        .get("ms")
        .and_then(Value::as_u64)
        .filter(|ms| *ms <= MAX_DELAY_MS)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "expected {{\"ms\": N}} with N a whole number of milliseconds from 0 to {MAX_DELAY_MS}"
            ))
        })?;
    shared.set_delay_ms(ms);
    Ok(Json(json!({ "delay_ms": ms })))
}

/// `GET /healthz`
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /admin/webhook`: where events go (never the secret).
async fn webhook(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({ "url": shared.webhook().map(|t| t.url) }))
}

/// `POST /admin/webhook` with `{"url": URL, "secret": SECRET}`, or `{"url": null}` to stop.
async fn set_webhook(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Json<Value>> {
    let fields = json_object(&body)?;
    let target = match (fields.get("url"), fields.get("secret")) {
        (Some(Value::Null) | None, _) => None,
        (Some(Value::String(url)), Some(Value::String(secret)))
            if url.starts_with("http://") || url.starts_with("https://") =>
        {
            Some(crate::webhook::WebhookTarget {
                url: url.clone(),
                secret: secret.clone(),
            })
        }
        _ => {
            return Err(ApiError::bad_request(
                "expected {\"url\": \"http(s)://...\", \"secret\": \"...\"} or {\"url\": null}",
            ));
        }
    };
    shared.set_webhook(target);
    Ok(webhook(State(shared)).await)
}

/// `POST /admin/payments/{id}/settle` with `{"user_id": ...}`: the payment provider reports a
/// payment as succeeded, with a Stripe-signed `payment_intent.succeeded`.
async fn settle_payment(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let user = if body.is_empty() {
        None
    } else {
        json_object(&body)?
            .get("user_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (mut payment, _) = crate::data::payment(&id)
        .ok_or_else(|| ApiError::not_found(format!("payment {id} not found")))?;
    let target = shared.webhook().ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "conflict",
            "no webhook URL is set (POST /admin/webhook or --webhook-url)",
        )
    })?;
    payment["status"] = json!("succeeded");
    payment["metadata"] = json!({ "user_id": user.unwrap_or_else(|| "web".to_owned()) });
    let event = crate::webhook::event("payment_intent.succeeded", payment);
    let id = event["id"].clone();
    crate::webhook::send(target, event);
    Ok(Json(json!({ "sent": id })))
}

/// `POST /admin/payments` with `{"user_id": "web", "amount": 1250, "currency": "usd"}`: a
/// customer pays. The payment joins `GET /api/v2/payments` (what a poller sees) and, when a
/// webhook URL is set, `payment_intent.succeeded` is sent for it (what a webhook receiver
/// sees): one change, noticed both ways. 201 with the payment.
async fn make_payment(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    let fields = if body.is_empty() {
        serde_json::Map::new()
    } else {
        json_object(&body)?
    };
    let user = fields
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or("web");
    let amount = fields.get("amount").and_then(Value::as_u64).unwrap_or(1250);
    let currency = fields
        .get("currency")
        .and_then(Value::as_str)
        .unwrap_or("usd");
    let payment = crate::state::lock(&shared.store).add_payment(user, amount, currency);
    if let Some(target) = shared.webhook() {
        crate::webhook::send(
            target,
            crate::webhook::event("payment_intent.succeeded", payment.clone()),
        );
    }
    Ok((axum::http::StatusCode::CREATED, Json(payment)))
}

fn platform(name: &str) -> Result<&'static str, ApiError> {
    crate::platforms::PLATFORMS
        .into_iter()
        .find(|p| *p == name)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no platform `{name}`; platforms: {}",
                crate::platforms::PLATFORMS.join(", ")
            ))
        })
}

/// What a platform fake accepted, oldest first; `?after=SEQ` for only what came later.
async fn channel_sent(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    uri: Uri,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = platform(&name)?;
    let after = match QueryParams::parse(&uri)?.get("after") {
        None => 0,
        Some(a) => a.parse().map_err(|_| {
            ApiError::bad_request(format!("after must be a sequence number, found {a:?}"))
        })?,
    };
    let sent = crate::state::lock(&shared.sent).list(p, after);
    Ok(Json(serde_json::json!({ "platform": p, "sent": sent })))
}

/// Forgets what a platform fake accepted.
async fn clear_channel_sent(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = platform(&name)?;
    crate::state::lock(&shared.sent).clear(Some(p));
    Ok(Json(serde_json::json!({ "platform": p, "sent": [] })))
}
