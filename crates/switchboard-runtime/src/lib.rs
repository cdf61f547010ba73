//! The Switchboard runtime: the operation pipeline, the chat engine, storage and the server.

pub mod app;
pub mod conversation;
pub mod engine;
pub mod pipeline;
pub mod platforms;
pub mod server;
pub mod storage;
pub mod telemetry;
pub mod template;
pub mod user_id;
pub mod webhooks;
