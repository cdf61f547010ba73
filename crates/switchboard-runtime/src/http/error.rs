//! The one error type at the HTTP edge: a JSON body `{"error": {"code", "message"}}` with a
//! fitting status. Internal details are logged once here and never sent.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to an HTTP client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<&'static str>,
}

impl ApiError {
    /// An error with a status, a stable code and a message safe to show.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Adds `Retry-After: SECONDS` (a 503 the client should retry).
    pub fn with_retry_after(mut self, seconds: &'static str) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body it answers with.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
            },
        }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500, 503 and friends: the details go to the log, the client gets a plain sentence.
    pub fn internal(status: StatusCode, detail: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(target: "switchboard::http", %detail, "request failed");
        let message = if status == StatusCode::SERVICE_UNAVAILABLE {
            "storage is unavailable; try again shortly"
        } else {
            "internal error"
        };
        ApiError::new(
            status,
            if status == StatusCode::SERVICE_UNAVAILABLE {
                "unavailable"
            } else {
                "internal"
            },
            message,
        )
    }
}

/// The body of every error the house's routes answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// An error's code and message.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `bad_request`, `not_found`, `unauthorized`, `rate_limited`, ...
    pub code: &'static str,
    /// A sentence safe to show; never an internal detail.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        let mut r = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(s),
            );
        }
        r
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            _ => "bad_request",
        };
        let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
            StatusCode::BAD_REQUEST
        } else {
            status
        };
        ApiError::new(status, code, r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::bad_request(r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::bad_request(r.body_text())
    }
}

impl From<crate::engine::TurnError> for ApiError {
    fn from(e: crate::engine::TurnError) -> Self {
        use crate::engine::TurnError;
        match e {
            TurnError::Invalid(m) => ApiError::bad_request(m),
            TurnError::NotFound(m) => ApiError::not_found(m),
            TurnError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            TurnError::Storage(m) => ApiError::internal(StatusCode::SERVICE_UNAVAILABLE, &m),
            TurnError::Unavailable(m) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m)
                    .with_retry_after("1")
            }
        }
    }
}
