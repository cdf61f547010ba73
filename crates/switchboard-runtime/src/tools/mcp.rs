//! The MCP server at `POST /mcp`: Streamable HTTP through the official SDK (`rmcp`), served
//! statelessly for every protocol revision (2026-07-28 without sessions; 2025-11-25 and older
//! with their `initialize` answered but nothing kept), so any instance answers any request.
//!
//! A tool that changes data asks first. On 2026-07-28 the call answers `input_required` with
//! one elicitation (`confirm`) and a `requestState` sealed with HMAC-SHA256, bound to the
//! caller, the tool and a digest of its arguments, and valid for five minutes; the client
//! retries with the user's answer. Accepted: the operation runs once. Declined, cancelled,
//! altered or expired: nothing is sent upstream. An older client cannot be asked within a
//! stateless call, so the call is refused with a message that says why.

use super::run::{self, Caller, Ran};
use super::{Gateway, Tools};
use crate::catalog::ToolDef;
use crate::http::principal::Principal;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ElicitResult,
    ElicitationAction, Implementation, InitializeResult, InputRequest, InputRequiredResult,
    ListToolsResult, PaginatedRequestParams, ProtocolVersion, SealOptions, ServerCapabilities,
    Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// How long a confirmation question stays answerable.
pub const CONFIRM_TTL: Duration = Duration::from_secs(300);
/// The largest request body `/mcp` reads.
const MAX_BODY: usize = 256 * 1024;
/// Where MCP calls come in, for the audit trail.
const ROUTE: &str = "/mcp";
/// The key of the one input request a write tool makes.
pub const CONFIRM_KEY: &str = "confirm";

/// One request's view of the gateway (cheap to clone: the SDK makes one per request).
#[derive(Clone)]
pub struct McpServer {
    tools: Arc<Gateway>,
}

impl McpServer {
    fn caller(ctx: &RequestContext<RoleServer>) -> Caller {
        let principal = ctx
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<Principal>());
        Caller::of(principal)
    }
}

/// What to do about a write tool's confirmation.
enum Confirmation {
    /// Ask the user (2026-07-28).
    Ask(InputRequiredResult),
    /// Answered yes: run it.
    Given,
    /// Not run: the outcome, and the result that says why.
    Stop(&'static str, CallToolResult),
}

/// The context a confirmation is sealed with: the caller, the tool and the arguments.
fn bound_to(caller: &Caller, tool: &ToolDef, args: &Map<String, Value>) -> String {
    format!(
        "switchboard-mcp-confirm\n{}\n{}\n{}",
        caller.user_id.as_deref().unwrap_or(""),
        tool.name,
        run::args_digest(args)
    )
}

fn stop(outcome: &'static str, message: String) -> Confirmation {
    Confirmation::Stop(
        outcome,
        CallToolResult::structured_error(json!({ "outcome": outcome, "message": message })),
    )
}

impl McpServer {
    fn confirmation(
        &self,
        tool: &ToolDef,
        args: &Map<String, Value>,
        req: &CallToolRequestParams,
        caller: &Caller,
        ctx: &RequestContext<RoleServer>,
    ) -> Confirmation {
        let context = bound_to(caller, tool, args);
        let Some(state) = &req.request_state else {
            let current = ctx
                .protocol_version()
                .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
            if !current {
                return stop(
                    "confirmation_unavailable",
                    format!(
                        "{} changes data ({}), so the user must confirm it first. This client speaks an MCP revision older than 2026-07-28, whose confirmation needs a session this stateless server does not keep; nothing was sent. Use a client that speaks 2026-07-28, or call POST /v1/tools/{} with \"confirmed\": true once the user has said yes.",
                        tool.name, tool.sends, tool.name
                    ),
                );
            }
            let sealed = self.tools.codec.seal_with(
                b"confirm",
                &SealOptions::new()
                    .associated_data(context.as_bytes())
                    .ttl(CONFIRM_TTL),
            );
            let question = json!({
                "method": "elicitation/create",
                "params": {
                    "mode": "form",
                    "message": format!(
                        "Allow {} ({})? It changes data: {} with {}.",
                        tool.name,
                        tool.description,
                        tool.sends,
                        Value::Object(args.clone())
                    ),
                    "requestedSchema": { "type": "object", "properties": {} },
                }
            });
            return match serde_json::from_value::<InputRequest>(question) {
                Ok(ask) => Confirmation::Ask(InputRequiredResult::new(
                    Some([(CONFIRM_KEY.to_string(), ask)].into_iter().collect()),
                    Some(sealed),
                )),
                Err(e) => stop(
                    "internal",
                    format!("the confirmation question could not be built: {e}"),
                ),
            };
        };
        if self
            .tools
            .codec
            .open_with(state, context.as_bytes())
            .is_err()
        {
            return stop(
                "confirmation_invalid",
                "The confirmation is not valid: it was altered, made for another call or user, or is more than five minutes old. Nothing was sent.".into(),
            );
        }
        let answer = req
            .input_responses
            .as_ref()
            .and_then(|r| r.get(CONFIRM_KEY))
            .and_then(|v| serde_json::from_value::<ElicitResult>(v.clone()).ok());
        match answer.map(|a| a.action) {
            Some(ElicitationAction::Accept) => Confirmation::Given,
            Some(_) => stop(
                "declined",
                format!("The user declined {}. Nothing was sent.", tool.name),
            ),
            None => stop(
                "confirmation_missing",
                "The retry carries no answer to the confirmation question. Nothing was sent."
                    .into(),
            ),
        }
    }
}

/// A finished call as MCP's result: structured content (with its text copy) when the tool
/// declares an output schema, text otherwise; `isError` with the outcome on failure.
fn result(tool: &ToolDef, ran: &Ran) -> CallToolResult {
    let payload = ran.payload();
    if !ran.is_ok() {
        return CallToolResult::structured_error(payload);
    }
    if tool.output_schema.is_some() && payload.is_object() {
        CallToolResult::structured(payload)
    } else {
        CallToolResult::success(vec![ContentBlock::text(payload.to_string())])
    }
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> InitializeResult {
        let project = self.tools.engine.project();
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                format!("switchboard {}", project.bot.name),
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(
                "Tools call the project's REST operations, or run its intents, through Switchboard's pipeline. Tools that change data ask the user to confirm first.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(
            self.tools.mcp_tools.to_vec(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools
            .mcp_tools
            .iter()
            .find(|t| t.name == name)
            .cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let Some(tool) = self.tools.catalog.get(&request.name) else {
            return Err(McpError::invalid_params(
                format!("no tool named {:?}", request.name),
                None,
            ));
        };
        let args = request.arguments.clone().unwrap_or_default();
        let caller = Self::caller(&context);
        let gateway = &self.tools;
        if tool.confirm {
            if let Some(ran) = gateway.refused(tool, &caller, &args, ROUTE) {
                return Ok(result(tool, &ran).into());
            }
            match self.confirmation(tool, &args, &request, &caller, &context) {
                Confirmation::Ask(ask) => {
                    gateway.observe(tool, &caller, &args, "confirmation_required", ROUTE, None);
                    return Ok(CallToolResponse::InputRequired(ask));
                }
                Confirmation::Stop(outcome, r) => {
                    gateway.observe(tool, &caller, &args, outcome, ROUTE, None);
                    return Ok(r.into());
                }
                Confirmation::Given => {}
            }
        }
        let ran = gateway.run_observed(tool, &args, &caller, ROUTE).await;
        Ok(result(tool, &ran).into())
    }
}

/// The SDK's Streamable HTTP service over the gateway.
pub(super) type Service = StreamableHttpService<McpServer, NeverSessionManager>;

/// `/mcp` through the SDK, stateless for every revision. The SDK's own `Host` check is off:
/// the server's (without inbound credentials) or the credentials themselves guard it.
pub(super) fn service(gateway: &Arc<Gateway>) -> Service {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(MAX_BODY)
        .disable_allowed_hosts();
    let server = McpServer {
        tools: gateway.clone(),
    };
    StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// Hands `/mcp` requests to the SDK's service.
#[utoipa::path(post, path = "/mcp", tag = "tools",
    request_body(content = Object, description = "A JSON-RPC message of the Model Context Protocol (2026-07-28, or 2025-11-25 and older after `initialize`)"),
    responses(
        (status = 200, description = "The JSON-RPC answer (JSON)"),
        (status = 202, description = "A notification or response, accepted"),
        (status = 400, description = "Not a valid MCP request for its protocol revision"),
        (status = 401, description = "No valid credential; `WWW-Authenticate` names the resource metadata", body = crate::http::ErrorBody),
        (status = 403, description = "The credential lacks the `tools` scope", body = crate::http::ErrorBody),
    ))]
pub async fn serve(State(tools): State<Arc<Tools>>, req: Request) -> Response {
    match tools.mcp.clone().oneshot(req).await {
        Ok(r) => r.into_response(),
        Err(never) => match never {},
    }
}

/// `GET /mcp`: a stateless server opens no stream of its own; the SDK says so (405).
#[utoipa::path(get, path = "/mcp", tag = "tools",
    responses((status = 405, description = "No server-initiated stream: every answer comes with its request")))]
pub async fn serve_get(state: State<Arc<Tools>>, req: Request) -> Response {
    serve(state, req).await
}

/// `DELETE /mcp`: there is no session to end; the SDK says so.
#[utoipa::path(delete, path = "/mcp", tag = "tools",
    responses((status = 405, description = "No session to end: the server keeps none")))]
pub async fn serve_delete(state: State<Arc<Tools>>, req: Request) -> Response {
    serve(state, req).await
}
