//! The Switchboard runtime: the operation pipeline, the chat engine, storage and the server.

pub mod conversation;
pub mod pipeline;
pub mod storage;
pub mod template;
