//! What the SQL stores share: embedded migrations and the encoding of the `state` column.

use super::StoreError;
use crate::conversation::Conversation;
use chrono::SecondsFormat;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// A migration compiled into the binary: version, description and SQL.
pub(super) type Embedded = (i64, &'static str, &'static str);

/// Builds a migrator from migrations embedded with `include_str!`.
///
/// sqlx's `migrate!` macro needs sqlx's `macros` feature, which the workspace leaves off; this is
/// the same thing without it: the files are read at compile time and applied in version order.
///
/// What ran is recorded in `switchboard_migrations` rather than sqlx's default table, so a
/// PostgreSQL database shared with another sqlx application does not mix the two histories.
pub(super) fn migrator(embedded: &[Embedded]) -> Migrator {
    let migrations = embedded
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                description.into(),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    let mut migrator = Migrator::with_migrations(migrations);
    migrator.dangerous_set_table_name("switchboard_migrations");
    migrator
}

/// Whether a write failed on a unique index: another save made the same user's default
/// conversation first. The caller's view is stale, as with a version conflict.
pub(super) fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(sqlx::error::DatabaseError::is_unique_violation)
}

/// A conversation ready to be written.
pub(super) struct Row {
    /// The version the stored row must have for the save to proceed (0: it must not exist).
    pub expected: i64,
    /// The version the row gets.
    pub next: i64,
    /// The conversation as JSON, already carrying `next` as its version.
    pub state: String,
    /// `updated_at` as RFC 3339 UTC with a fixed number of digits, so text order is time order.
    pub updated_at: String,
}

/// Encodes a conversation for a save.
///
/// The stored JSON carries the version the save will give it, so the document and the
/// `version` column agree; `conversation` itself keeps its version until the save succeeds.
pub(super) fn encode(conversation: &mut Conversation) -> Result<Row, StoreError> {
    let id = conversation.id.clone();
    // No stored row can hold a version beyond i64, so a save claiming one is stale by definition.
    let expected =
        i64::try_from(conversation.version).map_err(|_| StoreError::Conflict(id.clone()))?;
    let next = expected
        .checked_add(1)
        .ok_or_else(|| StoreError::Conflict(id.clone()))?;

    let loaded_with = conversation.version;
    conversation.version = loaded_with + 1;
    let state = serde_json::to_string(conversation);
    conversation.version = loaded_with;

    let state = state.map_err(|error| StoreError::Corrupt {
        id,
        reason: format!("cannot be serialized: {error}"),
    })?;
    let updated_at = timestamp(&conversation.updated_at);
    Ok(Row {
        expected,
        next,
        state,
        updated_at,
    })
}

/// Decodes a stored row; the `version` and `is_default` columns are authoritative.
///
/// Reasons name where the JSON is wrong, never what it contains: a corrupt row's text is a
/// user's conversation and must not end up in logs.
pub(super) fn decode(
    id: &str,
    state: &str,
    version: i64,
    is_default: bool,
) -> Result<Conversation, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        id: id.to_owned(),
        reason,
    };
    let mut conversation: Conversation = serde_json::from_str(state).map_err(|error| {
        corrupt(format!(
            "state is not a conversation ({:?} error at line {} column {})",
            error.classify(),
            error.line(),
            error.column()
        ))
    })?;
    if conversation.id != id {
        return Err(corrupt("state belongs to another conversation".to_owned()));
    }
    conversation.version =
        u64::try_from(version).map_err(|_| corrupt(format!("version {version} is negative")))?;
    conversation.default = is_default;
    Ok(conversation)
}

/// How many conversations one purge statement deletes, so the write lock is never held long
/// (turns wait for it) however many conversations fell out of the retention at once.
pub(super) const PURGE_BATCH: i64 = 5_000;

/// A time as the `updated_at` text SQLite stores (and PostgreSQL casts).
pub(super) fn timestamp(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}
