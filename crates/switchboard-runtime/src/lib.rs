//! The Switchboard runtime: the operation pipeline, the chat engine, storage and the server.
//!
//! The modules stand on floors, and every import goes down a floor (checked by the tidy test
//! in `floors.rs`; a new module gets a floor there):
//!
//! ```text
//! 9  app                     builds the services in order; the only place that knows all
//! 8  server                  accept loop, gate and inbound auth, chat/admin/health routes
//! 7  webhooks, platforms,    wings: Routes<S> over their own state
//!    channels, tools
//! 6  http, verify            ApiError, Routes with declared scopes, Principal and reach;
//!                            signature schemes (webhook sources and channels share them)
//! 5  engine                  the chat turn; Proactive, the service webhooks append through
//! 4  health, llm            health checks and objectives; the language model of the chat
//!                            turn (both call the pipeline)
//! 3  pipeline                operation calls and their policies
//! 2  storage, shared         conversations, inbox, audit, accounts; the fleet's state in
//!                            Redis (rate limits, cache, turn lock)
//! 1  telemetry               recorder, metrics, log events, redaction, health board
//! 0  catalog, conversation,  the project's tools; conversation state; templates; user ids
//!    template, user_id
//! ```

pub mod app;
pub mod catalog;
pub mod channels;
pub mod conversation;
pub mod engine;
#[cfg(test)]
mod floors;
pub mod health;
pub mod http;
pub mod llm;
pub mod pipeline;
pub mod platforms;
pub mod server;
pub mod shared;
pub mod storage;
pub mod telemetry;
pub mod template;
pub mod tools;
pub mod user_id;
pub mod verify;
pub mod webhooks;
