//! `GET /openapi.json`: an OpenAPI 3.1 description of this server's own HTTP API, as the
//! project mounts it.
//!
//! Each handler describes itself next to its code (`#[utoipa::path]`: parameters, bodies,
//! statuses); the request and response types derive their schemas. What only the running
//! project knows comes from the route table, the same one the gate enforces: which routes are
//! mounted (Rasa, Dialogflow and webhooks only when configured, the platform paths where the
//! project puts them), and what each needs (`x-switchboard-scope`, and with `inbound` auth the
//! API key or bearer token of that scope). A test walks the router and checks the two agree.

use crate::http::RouteScope;
use crate::http::routes::RouteTable;
use axum::{Extension, Json};
use std::sync::Arc;
use switchboard_config::Project;
use utoipa::OpenApi;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{self, PathItem};

/// The path the description is served at.
pub const PATH: &str = "/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard",
        description = "The chat API, webhooks, platform fulfilment, accounts, health and admin \
                       routes of one Switchboard project."
    ),
    paths(
        serve,
        super::web::index,
        super::chat::chat,
        super::chat::conversation,
        super::openai::completions,
        super::openai::models,
        super::health::healthz,
        super::health::readyz,
        super::metrics::metrics,
        super::dashboard::page,
        super::dashboard::data,
        super::admin::audit,
        super::oauth::start,
        super::oauth::callback,
        crate::webhooks::receive::receive,
        crate::webhooks::receive::handshake,
        crate::channels::receive::receive,
        crate::channels::receive::handshake,
        crate::webhooks::receive::dead_letters,
        crate::webhooks::stream::user_events,
        crate::webhooks::stream::conversation_events,
        crate::platforms::rasa::handler::webhook,
        crate::platforms::rasa::handler::health,
        crate::platforms::rasa::handler::actions,
        crate::platforms::dialogflow::es::webhook,
        crate::platforms::dialogflow::cx::webhook,
        crate::tools::mcp::serve,
        crate::tools::mcp::serve_get,
        crate::tools::mcp::serve_delete,
        crate::tools::rest::list,
        crate::tools::rest::call,
        crate::tools::rest::metadata,
    ),
    tags(
        (name = "chat", description = "Turns, conversations and their event streams"),
        (name = "webhooks", description = "Signed events from other systems"),
        (name = "channels", description = "Messages from WhatsApp, Telegram, Slack and Twilio"),
        (name = "platforms", description = "Rasa action server and Dialogflow fulfilment"),
        (name = "tools", description = "The tool gateway for LLM agents: MCP and plain HTTP"),
        (name = "accounts", description = "Connecting a user's account (OAuth)"),
        (name = "admin", description = "Audit trail, dashboard data, dead letters"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "pages", description = "The web chat page and the dashboard"),
    )
)]
struct Handlers;

/// Serves the description made when the application was built.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "This description (OpenAPI 3.1)", body = Object)))]
pub async fn serve(
    Extension(doc): Extension<Arc<openapi::OpenApi>>,
) -> Json<Arc<openapi::OpenApi>> {
    Json(doc)
}

/// The description of the routes in `table`, for `project`.
pub fn document(project: &Project, table: &RouteTable) -> openapi::OpenApi {
    let mut doc = Handlers::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();

    // The platform routes are where the project put them.
    let mut moved: Vec<(&str, &str)> = Vec::new();
    if let Some(rasa) = &project.rasa {
        moved.push(("/webhook", &rasa.path));
    }
    if let Some(df) = &project.dialogflow {
        moved.push(("/dialogflow/es", &df.es_path));
        moved.push(("/dialogflow/cx", &df.cx_path));
    }
    for (described, mounted) in moved {
        if described != mounted
            && let Some(item) = doc.paths.paths.remove(described)
        {
            doc.paths.paths.insert(mounted.to_string(), item);
        }
    }

    // Only what is mounted, each operation with the scope the gate asks for.
    let secured = project.inbound.requires_auth();
    let rows = table.rows();
    doc.paths.paths.retain(|path, item| {
        for method in METHODS {
            let mounted = rows.iter().find(|(m, p, _)| *m == method && p == path);
            let Some(slot) = operation(item, method) else {
                continue;
            };
            match (mounted, slot.as_mut()) {
                (Some((_, _, scope)), Some(op)) => declare(op, *scope, secured),
                (None, Some(_)) => *slot = None,
                _ => {}
            }
        }
        METHODS
            .iter()
            .any(|m| operation(item, m).is_some_and(|o| o.is_some()))
    });
    if secured && let Some(components) = doc.components.as_mut() {
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
    doc
}

/// The methods the house mounts.
const METHODS: [&str; 3] = ["GET", "POST", "DELETE"];

fn operation<'a>(item: &'a mut PathItem, method: &str) -> Option<&'a mut Option<Operation>> {
    match method {
        "GET" => Some(&mut item.get),
        "POST" => Some(&mut item.post),
        "DELETE" => Some(&mut item.delete),
        _ => None,
    }
}

/// Says what an operation needs: its scope always, and the credentials of that scope when
/// the project has `inbound` auth.
fn declare(op: &mut Operation, scope: RouteScope, secured: bool) {
    let extension: Extensions = [("x-switchboard-scope", serde_json::json!(scope.name()))]
        .into_iter()
        .collect();
    match op.extensions.as_mut() {
        Some(existing) => existing.merge(extension),
        None => op.extensions = Some(extension),
    }
    if secured && scope.credential().is_some() {
        let scope = scope.name();
        op.security = Some(vec![
            SecurityRequirement::new("api_key", [scope]),
            SecurityRequirement::new("bearer", [scope]),
        ]);
    }
}
