//! A conversation as a row: the `state` column's JSON, the version it is saved with, and the
//! `updated_at` text both backends order by.

use crate::conversation::Conversation;
use crate::storage::StoreError;
use chrono::SecondsFormat;

/// A conversation ready to be written.
pub(crate) struct Row {
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
pub(crate) fn encode(conversation: &mut Conversation) -> Result<Row, StoreError> {
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
pub(crate) fn decode(
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
pub(crate) const PURGE_BATCH: i64 = 5_000;

/// A time as the `updated_at` text SQLite stores (and PostgreSQL casts).
pub(crate) fn timestamp(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}
