//! The gateway over plain HTTP, for apps that do their own function calling: `GET /v1/tools`
//! lists the definitions (MCP's shape), `POST /v1/tools/{name}` runs one as the caller. A
//! tool that changes data runs only with `"confirmed": true`, which the app sends once its
//! user has said yes; without it the answer is `409 confirmation_required` and nothing is
//! sent. Also the protected-resource metadata (RFC 9728) MCP clients read after a `401`.

use super::Tools;
use super::run::Caller;
use crate::http::principal::Principal;
use crate::http::resource::{METADATA_PATH, base_url};
use crate::http::{ApiError, RouteScope, Routes};
use axum::extract::{FromRef, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Where plain HTTP calls come in, for the audit trail.
const ROUTE: &str = "/v1/tools/{name}";

/// The routes.
pub(super) fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Tools>: FromRef<S>,
{
    Routes::new()
        .get(RouteScope::Tools, "/v1/tools", list)
        .post(RouteScope::Tools, "/v1/tools/{name}", call)
        .get(RouteScope::Public, METADATA_PATH, metadata)
}

/// The tool definitions, in MCP's shape.
#[utoipa::path(get, path = "/v1/tools", tag = "tools",
    responses((status = 200, description = "`{\"tools\": [...]}`: name, title, description, inputSchema, outputSchema, annotations", body = Object)))]
pub async fn list(State(tools): State<Arc<Tools>>) -> Json<Value> {
    let defs: Vec<Value> = tools.catalog().all().iter().map(|t| t.mcp()).collect();
    Json(json!({ "tools": defs }))
}

/// `POST /v1/tools/{name}`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallBody {
    /// The tool's arguments.
    #[serde(default)]
    arguments: Map<String, Value>,
    /// The user said yes to this call (needed by tools that change data).
    #[serde(default)]
    confirmed: bool,
}

/// Runs a tool as the caller.
#[utoipa::path(post, path = "/v1/tools/{name}", tag = "tools",
    params(("name" = String, Path, description = "A tool of the project")),
    request_body(content = Object, description = "`{\"arguments\": {...}, \"confirmed\": true|false}`"),
    responses(
        (status = 200, description = "`{\"tool\", \"ok\", \"result\"}` or `{\"tool\", \"ok\": false, \"error\": {\"outcome\", \"message\"}}`", body = Object),
        (status = 400, description = "The body is not valid", body = crate::http::ErrorBody),
        (status = 404, description = "No such tool", body = crate::http::ErrorBody),
        (status = 409, description = "The tool changes data and `confirmed` is not true: nothing was sent", body = crate::http::ErrorBody),
    ))]
pub async fn call(
    State(tools): State<Arc<Tools>>,
    Path(name): Path<String>,
    principal: Option<Extension<Principal>>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let Some(tool) = tools.catalog().get(&name) else {
        let hint = switchboard_config::suggest::did_you_mean(
            &name,
            tools.catalog().all().iter().map(|t| t.name.as_str()),
        );
        return Err(ApiError::not_found(format!("no tool named {name:?}{hint}")));
    };
    let body: CallBody = if body.is_empty() {
        CallBody {
            arguments: Map::new(),
            confirmed: false,
        }
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(format!(
                "the body must be {{\"arguments\": {{...}}, \"confirmed\": true|false}}: {e}"
            ))
        })?
    };
    let caller = Caller::of(principal.as_ref().map(|Extension(p)| p));
    let gateway = &tools.gateway;
    if tool.confirm && !body.confirmed {
        if let Some(ran) = gateway.refused(tool, &caller, &body.arguments, ROUTE) {
            return Ok(Json(
                json!({ "tool": tool.name, "ok": false, "error": ran.payload() }),
            ));
        }
        gateway.observe(
            tool,
            &caller,
            &body.arguments,
            "confirmation_required",
            ROUTE,
            None,
        );
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "confirmation_required",
            format!(
                "{} changes data ({}): ask the user, then call again with \"confirmed\": true. Nothing was sent.",
                tool.name, tool.sends
            ),
        ));
    }
    let ran = gateway
        .run_observed(tool, &body.arguments, &caller, ROUTE)
        .await;
    let mut out = json!({ "tool": tool.name, "ok": ran.is_ok() });
    out[if ran.is_ok() { "result" } else { "error" }] = ran.payload();
    Ok(Json(out))
}

/// RFC 9728 metadata: the resource is this server's `/mcp`, guarded by bearer tokens with the
/// `tools` scope, issued by the project's JWT issuer when it has one.
#[utoipa::path(get, path = "/.well-known/oauth-protected-resource", tag = "tools",
    responses((status = 200, description = "RFC 9728 protected resource metadata of `/mcp`", body = Object)))]
pub async fn metadata(State(tools): State<Arc<Tools>>, headers: HeaderMap) -> Json<Value> {
    let project = tools.gateway.engine.project();
    let mut m = json!({
        "resource": format!("{}/mcp", base_url(&headers)),
        "bearer_methods_supported": ["header"],
        "scopes_supported": ["tools"],
        "resource_name": project.bot.name,
    });
    if let Some(jwt) = &project.inbound.jwt {
        m["authorization_servers"] = json!([jwt.issuer]);
    }
    Json(m)
}
