//! The `/api/v2` router and the small parsing helpers its handlers share.

mod interactions;
mod live;
mod lookups;
mod refunds;
mod scheduling;

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::rejection::PathRejection;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::routing::{any, get, post};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::gate::gate;
use crate::route::Route;
use crate::state::Shared;

/// All `/api/v2` routes behind the request gate. Paths under `/api/v2` that match no route
/// are still gated (recorded, counted, key-checked) and then answered 404.
pub(crate) fn api_router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route(Route::Orders.path_template(), get(lookups::order))
        .route(Route::Shipments.path_template(), get(lookups::shipment))
        .route(Route::Customers.path_template(), get(lookups::customer))
        .route(
            Route::CustomerSearch.path_template(),
            get(lookups::customer_search),
        )
        .route(
            Route::Interactions.path_template(),
            post(interactions::create),
        )
        .route(Route::Slots.path_template(), get(scheduling::slots))
        .route(Route::Appointments.path_template(), post(scheduling::book))
        .route(Route::Payments.path_template(), get(lookups::payment))
        .route(Route::PaymentList.path_template(), get(lookups::payments))
        .route(Route::Refunds.path_template(), post(refunds::create))
        .route(Route::Rates.path_template(), get(live::rates))
        .route(Route::Weather.path_template(), get(live::weather))
        .route(Route::Tickets.path_template(), post(interactions::ticket))
        .route(
            Route::WhatsappSend.path_template(),
            post(crate::platforms::whatsapp),
        )
        .route(
            Route::TelegramSend.path_template(),
            post(crate::platforms::telegram),
        )
        .route(
            Route::SlackSend.path_template(),
            post(crate::platforms::slack),
        )
        .route(
            Route::TwilioSend.path_template(),
            post(crate::platforms::twilio),
        )
        .route("/api/v2", any(no_route))
        .route("/api/v2/", any(no_route))
        .route("/api/v2/{*rest}", any(no_route))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(shared, gate))
}

/// 404 for a path that matches no route.
pub(crate) async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no route for {method} {}", uri.path()))
}

/// 405 for a known path called with the wrong method, with a JSON body like every other error.
async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// The single path parameter of a route, percent-decoded; a 400 when it cannot be decoded.
pub(crate) fn path_param(path: Result<Path<String>, PathRejection>) -> ApiResult<String> {
    path.map(|Path(value)| value).map_err(|rejection| {
        ApiError::bad_request(format!("invalid path parameter: {}", rejection.body_text()))
    })
}

/// Decoded query parameters, in order.
pub(crate) struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub(crate) fn parse(uri: &Uri) -> ApiResult<Self> {
        Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map(|Query(pairs)| QueryParams(pairs))
            .map_err(|_| ApiError::bad_request("the query string is not valid"))
    }

    /// The first value of a parameter, trimmed; `None` when absent or blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }
}

/// The request body as a JSON object; a 400 naming the problem otherwise.
pub(crate) fn json_object(body: &[u8]) -> ApiResult<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(ApiError::bad_request(
            "the request body must be a JSON object",
        )),
        Err(error) => Err(ApiError::bad_request(format!(
            "the request body is not valid JSON: {error}"
        ))),
    }
}

/// An optional string field; a 400 when present with another type.
pub(crate) fn optional_string(
    fields: &Map<String, Value>,
    name: &str,
) -> ApiResult<Option<String>> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::bad_request(format!("`{name}` must be a string"))),
    }
}

/// A required, non-blank string field.
pub(crate) fn required_string(fields: &Map<String, Value>, name: &str) -> ApiResult<String> {
    optional_string(fields, name)?
        .filter(|text| !text.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("`{name}` is required")))
}
