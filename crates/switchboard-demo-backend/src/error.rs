//! The one JSON error shape every route answers with: `{"error": {"code", "message"}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer. Handlers return it as `Err` so that bad input never panics and always
/// gets a JSON body a client can parse.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// The error an arbitrary status is reported with; the code follows the status so an
    /// injected 503 looks like a real one.
    pub(crate) fn for_status(status: StatusCode, message: impl Into<String>) -> Self {
        let code = match status.as_u16() {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            408 => "request_timeout",
            409 => "conflict",
            413 => "payload_too_large",
            422 => "unprocessable_entity",
            429 => "rate_limited",
            500 => "internal_error",
            502 => "bad_gateway",
            503 => "unavailable",
            504 => "gateway_timeout",
            _ if status.is_client_error() => "client_error",
            _ => "server_error",
        };
        ApiError::new(status, code, message)
    }

    /// The JSON body alone, for answers that must be stored and replayed.
    pub(crate) fn body(&self) -> serde_json::Value {
        json!({ "error": { "code": self.code, "message": self.message } })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// Handler result: a JSON answer or a JSON error.
pub(crate) type ApiResult<T = Response> = Result<T, ApiError>;
