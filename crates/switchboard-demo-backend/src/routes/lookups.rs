//! Read-only lookups by id: orders, shipments, customers, payments.

use axum::Json;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use serde_json::Value;

use super::path_param;
use crate::data;
use crate::error::{ApiError, ApiResult};

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

/// `GET /api/v2/payments/{id}`
pub(crate) async fn payment(id: Result<Path<String>, PathRejection>) -> ApiResult<Json<Value>> {
    let id = path_param(id)?;
    data::payment(&id)
        .map(|(payment, _)| Json(payment))
        .ok_or_else(|| ApiError::not_found(format!("payment {id} not found")))
}
