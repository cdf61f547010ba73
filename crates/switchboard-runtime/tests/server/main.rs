//! Integration tests through the router and the engine: routes, connections, inbound auth,
//! ownership, admin, dashboard, streams, chat, platforms, webhooks and pollers.
//!
//! One test binary per area rather than one per file: every binary is a separate link of the
//! crate's whole dependency tree, and those links dominated rebuilding the tests. Each former
//! file is a module here; tests are named `module::test`.

// Shared with the other test binaries of this crate, hence the path.
#[path = "../common/mod.rs"]
mod common;

mod admin;
mod audit_redaction;
mod browser;
mod channels;
mod chat;
mod connections;
mod dashboard;
mod dialogue;
mod fulfill;
mod inbound;
mod languages;
mod llm;
mod nodeenv;
mod oauth_accounts;
mod ownership;
mod platforms;
mod pollers;
mod pyenv;
mod server;
mod shared_state;
mod steps;
mod streams;
mod tools;
mod web_page;
mod webhooks;
