//! The admin routes under `/v1/admin/`: the audit trail (paged) and the dashboard's data.
//! All of them are mounted by [`admin_routes`], each declaring the `admin` scope;
//! everything they return has been through the redaction policy.

use super::AppState;
use crate::engine::Engine;
use crate::http::{ApiError, RouteScope::Admin, Routes};
use crate::storage::audit::{AuditQuery, AuditRow};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Largest page of audit rows.
pub const MAX_PAGE: u32 = 1000;

/// The admin router, to be nested under `/v1/admin`.
pub fn admin_routes() -> Routes<AppState> {
    Routes::new()
        .get(Admin, "/audit", audit)
        .get(Admin, "/dashboard", super::dashboard::data)
}

/// Query of `GET /v1/admin/audit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// RFC 3339; rows at or after.
    since: Option<String>,
    /// RFC 3339; rows before.
    until: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<i64>,
    /// Page size, 1 to 1000 (default 100).
    limit: Option<u32>,
}

/// A page of audit rows.
#[derive(Debug, Serialize)]
pub struct AuditPage {
    /// Rows, oldest first.
    pub rows: Vec<AuditRow>,
    /// Pass as `after` to get the next page; null on the last page.
    pub next: Option<i64>,
}

/// Parses an RFC 3339 time or a date (`2026-11-24`, midnight UTC).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[utoipa::path(get, path = "/v1/admin/audit", tag = "admin",
    params(
        ("since" = Option<String>, Query, description = "RFC 3339: rows at or after"),
        ("until" = Option<String>, Query, description = "RFC 3339: rows before"),
        ("after" = Option<i64>, Query, description = "Cursor: rows with a greater id"),
        ("limit" = Option<u32>, Query, description = "At most this many rows (100, up to 1000)"),
    ),
    responses(
        (status = 200, description = "Audit rows, oldest first, and the next cursor", body = Object),
        (status = 400, description = "A bad time or limit", body = crate::http::ErrorBody),
        (status = 503, description = "The audit trail is off or unavailable", body = crate::http::ErrorBody),
    ))]
pub async fn audit(
    State(engine): State<Arc<Engine>>,
    params: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let Query(p) = params?;
    let time = |name: &str, v: &Option<String>| -> Result<Option<DateTime<Utc>>, ApiError> {
        v.as_deref()
            .map(|s| {
                parse_time(s).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "{name} must be an RFC 3339 time or a date, such as 2026-11-24T08:00:00Z"
                    ))
                })
            })
            .transpose()
    };
    let limit = p.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    let Some(hooks) = engine.pipeline().audit() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "audit_disabled",
            "the audit trail is off (telemetry.audit.enabled: false)",
        ));
    };
    let q = AuditQuery {
        since: time("since", &p.since)?,
        until: time("until", &p.until)?,
        after: p.after.unwrap_or(0),
        limit,
    };
    let mut rows = hooks
        .sink
        .store()
        .query(&q)
        .await
        .map_err(|e| ApiError::internal(StatusCode::SERVICE_UNAVAILABLE, &e))?;
    for r in &mut rows {
        if let Some(d) = &r.detail {
            r.detail = Some(hooks.redactor.detail(d));
        }
    }
    let next = (rows.len() == limit as usize)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(Json(AuditPage { rows, next }))
}
