//! Read-only lookups: orders, shipments, customers, payments by id, and the payment list.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::path_param;
use crate::data;
use crate::error::{ApiError, ApiResult};
use crate::state::Shared;

/// `GET /api/v2/orders/{id}`
pub(crate) async fn order(id: Result<Path<String>, PathRejection>) -> ApiResult<Json<Value>> {
    let id = path_param(id)?;
    data::order(&id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("order {id} not found")))
}

/// `GET /api/v2/shipments/{tracking}`
pub(crate) async fn shipment(
    tracking: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<Value>> {
    let tracking = path_param(tracking)?;
    data::shipment(&tracking)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("shipment {tracking} not found")))
}

/// `GET /api/v2/customers/{id}`
pub(crate) async fn customer(id: Result<Path<String>, PathRejection>) -> ApiResult<Json<Value>> {
    let id = path_param(id)?;
    data::customer(&id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("customer {id} not found")))
}

/// `GET /api/v2/customers?phone=+971500000042`: the customer with that phone number, 404
/// when there is none, 400 without `phone`.
pub(crate) async fn customer_search(uri: axum::http::Uri) -> ApiResult<Json<Value>> {
    let query = super::QueryParams::parse(&uri)?;
    let phone = query
        .get("phone")
        .ok_or_else(|| ApiError::bad_request("phone is required, such as +971500000042"))?;
    // A `+` written unencoded in a query is a space: accept the number either way.
    let digits = phone.trim().trim_start_matches('+');
    data::customer_by_phone(&format!("+{digits}"))
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no customer with phone {phone}")))
}

/// `GET /api/v2/payments/{id}`
pub(crate) async fn payment(id: Result<Path<String>, PathRejection>) -> ApiResult<Json<Value>> {
    let id = path_param(id)?;
    data::payment(&id)
        .map(|(payment, _)| Json(payment))
        .ok_or_else(|| ApiError::not_found(format!("payment {id} not found")))
}

/// `GET /api/v2/payments`: the fixed payments, then those made with `POST /admin/payments`
/// (the last 100), oldest first: a list that changes, for pollers to watch.
pub(crate) async fn payments(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let mut list: Vec<Value> = ["PAY-1001", "PAY-1002"]
        .iter()
        .filter_map(|id| data::payment(id).map(|(p, _)| p))
        .collect();
    list.extend(crate::state::lock(&shared.store).new_payments());
    Json(json!({ "data": list }))
}
