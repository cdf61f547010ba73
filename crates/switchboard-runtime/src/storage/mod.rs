//! What the runtime keeps: conversations, the webhook inbox and outbox, the audit trail and
//! connected accounts, in the embedded SQLite file (the default, under `--data-dir`) or in
//! PostgreSQL (for several instances).
//!
//! # How it works
//!
//! Each store is a small trait (`ConversationStore` in `conversations/`, `inbox::InboxStore`,
//! `audit::AuditStore`, `accounts::AccountStore`) with one implementation over both backends,
//! on a [`db::Db`] handle (`db.rs`: opening, tuning, error messages that mask a PostgreSQL
//! password). Query text is written once where the dialects agree and side by side where they
//! do not. On SQLite, which takes one writer at a time, conversation saves queue for one
//! connection of their own (`conversations/writer.rs`). One test suite runs every store
//! against both backends (PostgreSQL cases each in a
//! schema of their own, `tests/common::PgSchema`; the suites are modules of the
//! `tests/storage/` test binary). The stores share one database and one migration list per
//! backend (`migrations/`). `files.rs` makes the data directory 0700 and the SQLite file 0600
//! before SQLite opens it (SQLite gives its WAL and SHM the file's mode), tightening looser
//! modes it finds with a warning. `retention.rs` deletes conversations not updated within
//! `storage.conversation_retention` (default 90 days; `ConversationStore::purge_idle`, batches
//! of 1,000) at start and hourly, on every instance. `instance.rs` reads or makes the data
//! directory's `instance-id`, the name webhook leases are held under.

pub mod accounts;
pub mod audit;
pub mod channels;
pub mod conversations;
pub(crate) mod db;
pub(crate) mod files;
pub mod inbox;
pub mod instance;
pub mod lease;
mod migrations;
mod redact;
pub(crate) mod retention;

pub use conversations::{ConversationStore, SqlConversations, open};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another turn saved the conversation first; the caller's copy is stale.
    #[error("conversation {0} was changed by another turn")]
    Conflict(String),
    /// The database could not be reached or refused the query.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A stored row could not be read back.
    #[error("stored conversation {id} is corrupt: {reason}")]
    Corrupt {
        /// The conversation.
        id: String,
        /// What was wrong.
        reason: String,
    },
}
