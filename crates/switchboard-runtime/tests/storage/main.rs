//! Integration tests of the stores (conversations, inbox, audit, accounts, webhook leases), run
//! on SQLite and PostgreSQL.
//!
//! One test binary per area rather than one per file: every binary is a separate link of the
//! crate's whole dependency tree, and those links dominated rebuilding the tests. Each former
//! file is a module here; tests are named `module::test`.

// Shared with the other test binaries of this crate, hence the path.
#[path = "../common/mod.rs"]
mod common;

mod account_store;
mod audit_store;
mod channel_store;
mod data_permissions;
mod inbox;
mod persistence;
mod storage;
mod webhook_leases;
