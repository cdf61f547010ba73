//! Appointment scheduling: a day's slots and booking one, with conflicts on taken slots.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::{QueryParams, json_object, optional_string, required_string};
use crate::error::{ApiError, ApiResult};
use crate::state::{Shared, lock};
use crate::store::Store;

/// The bookable times of every day, hourly.
const SLOT_TIMES: [&str; 8] = [
    "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00",
];

/// Lunch: taken on every date, so a conflict can be shown without booking first.
const ALWAYS_TAKEN: &str = "12:00";

/// `GET /api/v2/appointments/slots?date=YYYY-MM-DD`
pub(crate) async fn slots(State(shared): State<Arc<Shared>>, uri: Uri) -> ApiResult<Json<Value>> {
    let query = QueryParams::parse(&uri)?;
    let date = parse_date(query.get("date"))?;
    let store = lock(&shared.store);
    let slots: Vec<Value> = SLOT_TIMES
        .iter()
        .map(|time| json!({ "time": time, "available": !is_taken(&store, &date, time) }))
        .collect();
    Ok(Json(json!({ "date": date, "slots": slots })))
}

/// `POST /api/v2/appointments` with `{date, time, customer_id?, name?}`.
pub(crate) async fn book(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult<Response> {
    let fields = json_object(&body)?;
    let date = parse_date(optional_string(&fields, "date")?.as_deref())?;
    let time = required_string(&fields, "time")?;
    let Some(time) = SLOT_TIMES.iter().find(|slot| **slot == time.trim()) else {
        return Err(ApiError::bad_request(format!(
            "time `{time}` is not a slot; slots are {}",
            SLOT_TIMES.join(", ")
        )));
    };
    let customer_id = optional_string(&fields, "customer_id")?;
    let name = optional_string(&fields, "name")?;

    let mut store = lock(&shared.store);
    if is_taken(&store, &date, time) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("slot {date} {time} is taken"),
        ));
    }
    let id = store.book(&date, time);
    drop(store);
    let answer = json!({
        "id": id,
        "date": date,
        "time": time,
        "status": "booked",
        "customer_id": customer_id,
        "name": name,
    });
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

fn is_taken(store: &Store, date: &str, time: &str) -> bool {
    time == ALWAYS_TAKEN || store.is_booked(date, time)
}

/// A `YYYY-MM-DD` calendar date, returned in canonical form so `2026-1-5` and `2026-01-05`
/// name the same day.
fn parse_date(text: Option<&str>) -> ApiResult<String> {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return Err(ApiError::bad_request("`date` is required (YYYY-MM-DD)"));
    };
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|date| date.format("%Y-%m-%d").to_string())
        .map_err(|_| {
            ApiError::bad_request(format!(
                "`date` must be a calendar date YYYY-MM-DD, not `{text}`"
            ))
        })
}
