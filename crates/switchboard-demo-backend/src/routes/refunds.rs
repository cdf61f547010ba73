//! Refunds: a write guarded by `Idempotency-Key`, so retries of a lost answer are safe.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{json_object, optional_string, required_string};
use crate::data;
use crate::error::{ApiError, ApiResult};
use crate::state::{Shared, lock};
use crate::store::StoredAnswer;

/// Request header that makes a refund safe to retry.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Response header set on a replayed answer, as payment APIs do.
const REPLAYED: &str = "idempotent-replayed";

/// `POST /api/v2/refunds` with `{payment_id, amount?, reason?}`.
///
/// The first answer that got past input validation (201, or 404 for an unknown payment) is
/// stored under its idempotency key and replayed, byte for byte, to every repeat of that key,
/// whatever the repeat's body says. Invalid input (400) is not stored, so a corrected retry
/// can reuse the key.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .ok_or_else(|| ApiError::bad_request("the Idempotency-Key header is required for refunds"))?
        .to_owned();

    // One lock for check-and-create, so two concurrent repeats cannot both refund.
    let mut store = lock(&shared.store);
    if let Some(answer) = store.refund_answer(&key) {
        let mut response = (answer.status, Json(answer.body)).into_response();
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
        return Ok(response);
    }
    let fields = json_object(&body)?;
    let payment_id = required_string(&fields, "payment_id")?;
    let reason = optional_string(&fields, "reason")?;
    let answer = match data::payment(&payment_id) {
        None => {
            let error = ApiError::not_found(format!("payment {payment_id} not found"));
            StoredAnswer {
                status: error.status,
                body: error.body(),
            }
        }
        Some((_, paid)) => {
            let amount = refund_amount(&fields, paid)?;
            StoredAnswer {
                status: StatusCode::CREATED,
                body: json!({
                    "id": store.next_refund_id(),
                    "payment_id": payment_id,
                    "amount": amount,
                    "currency": "usd",
                    "reason": reason,
                    "status": "succeeded",
                    "created_at": chrono::Utc::now().to_rfc3339(),
                }),
            }
        }
    };
    store.remember_refund_answer(&key, answer.clone());
    drop(store);
    if answer.status == StatusCode::CREATED
        && let Some(target) = shared.webhook()
    {
        let mut object = answer.body.clone();
        object["payment_intent"] = Value::String(payment_id.clone());
        object["metadata"] = fields.get("metadata").cloned().unwrap_or(json!({}));
        crate::webhook::send(target, crate::webhook::event("charge.refunded", object));
    }
    Ok((answer.status, Json(answer.body)).into_response())
}

/// The amount to refund in minor units: the whole payment unless `amount` says less.
fn refund_amount(fields: &Map<String, Value>, paid: u64) -> ApiResult<u64> {
    match fields.get("amount") {
        None | Some(Value::Null) => Ok(paid),
        Some(value) => match value.as_u64() {
            Some(amount) if (1..=paid).contains(&amount) => Ok(amount),
            _ => Err(ApiError::bad_request(format!(
                "`amount` must be a whole number of minor units from 1 to {paid}"
            ))),
        },
    }
}
