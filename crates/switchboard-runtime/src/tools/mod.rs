//! The tool gateway: the project's operations and intents as tools for LLM agents, with the pipeline's
//! guarantees (validation, retries, breaker, limits, cache, metrics, audit, SSRF rules).
//!
//! # How it works
//!
//! `crate::catalog` (floor 0, shared with the chat turn's agent mode) turns the operations
//! and intents the project offers into tool definitions once per project (names within 64
//! characters and unique, JSON Schemas from the typed inputs or slots and the extract map,
//! explicit annotations, writes marked for confirmation); `run.rs` runs a tool as the
//! authenticated caller (a JWT's subject is the user whose connected accounts and per-user
//! cache the call may use) through `engine::tools` (shared with agent mode too), and counts
//! and audits every call; `mcp.rs` serves MCP at `POST /mcp` through
//! the official SDK, statelessly, with the confirmation round trip; `rest.rs` serves
//! `GET /v1/tools`, `POST /v1/tools/{name}` for apps that do their own function calling, and
//! the protected-resource metadata. Every route needs the `tools` scope when the project has
//! `inbound:` credentials. The CLI's `tools export` prints the same definitions as OpenAI,
//! Anthropic or MCP tools (`export.rs`).

pub mod export;
pub mod mcp;
pub mod rest;
pub mod run;

use crate::catalog::Catalog;
use crate::engine::Engine;
use crate::http::Routes;
use axum::extract::FromRef;
use rmcp::model::{RequestStateCodec, Tool};
use std::sync::Arc;

/// The gateway's parts every request reads: the catalog, its MCP form, the engine the tools
/// run on (operations through its pipeline, intents through its steps), and the key that
/// seals confirmation states.
pub struct Gateway {
    catalog: Catalog,
    mcp_tools: Vec<Tool>,
    engine: Arc<Engine>,
    codec: RequestStateCodec,
}

/// The tool gateway: its parts and the SDK's `/mcp` service over them.
pub struct Tools {
    gateway: Arc<Gateway>,
    mcp: mcp::Service,
}

impl std::fmt::Debug for Tools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tools")
            .field("tools", &self.gateway.catalog.all().len())
            .finish_non_exhaustive()
    }
}

impl Tools {
    /// The gateway over the engine's project. Confirmation states are sealed with a key
    /// derived from `bot.accounts_key` when the project has one (so every instance opens what
    /// another sealed), else with a random key of this process.
    pub fn new(engine: Arc<Engine>) -> Tools {
        let catalog = Catalog::new(engine.project());
        let mcp_tools = catalog
            .all()
            .iter()
            .filter_map(|t| serde_json::from_value::<Tool>(t.mcp()).ok())
            .collect();
        let key = state_key(engine.project());
        let gateway = Arc::new(Gateway {
            catalog,
            mcp_tools,
            codec: RequestStateCodec::try_new(key).expect("a 32-byte key"),
            engine,
        });
        Tools {
            mcp: mcp::service(&gateway),
            gateway,
        }
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.gateway.catalog
    }
}

/// HMAC(accounts_key, purpose), or 32 random bytes.
fn state_key(project: &switchboard_config::Project) -> Vec<u8> {
    use hmac::{Hmac, KeyInit, Mac};
    match &project.bot.accounts_key {
        Some(k) => {
            let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(k.expose().as_bytes())
                .expect("HMAC takes any key length");
            mac.update(b"switchboard mcp request state v1");
            mac.finalize().into_bytes().to_vec()
        }
        None => {
            let mut key = vec![0u8; 32];
            rand::fill(&mut key[..]);
            key
        }
    }
}

/// The gateway's routes: `/mcp`, `/v1/tools`, `/v1/tools/{name}` and the metadata.
pub fn routes<S>() -> Routes<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Tools>: FromRef<S>,
{
    use crate::http::RouteScope::Tools as Scope;
    Routes::new()
        .post(Scope, "/mcp", mcp::serve)
        .get(Scope, "/mcp", mcp::serve_get)
        .delete(Scope, "/mcp", mcp::serve_delete)
        .merge(rest::routes())
}
