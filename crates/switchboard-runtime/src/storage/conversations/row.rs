//! A conversation as rows: the `state` column's JSON (everything but the messages), the
//! version it is saved with and the `updated_at` text both backends order by; and the
//! messages, one row each, of which a save writes only those added since the load.

use crate::conversation::{Conversation, HistoryEntry};
use crate::storage::StoreError;
use chrono::SecondsFormat;
use serde::Deserialize;
use std::sync::Arc;

/// A conversation ready to be written.
pub(crate) struct Row {
    /// The version the stored row must have for the save to proceed (0: it must not exist).
    pub expected: i64,
    /// The version the row gets.
    pub next: i64,
    /// The conversation as JSON, already carrying `next` as its version; without its messages.
    pub state: String,
    /// The messages said since the load (those still in the history), as a JSON array.
    pub added: String,
    /// The number of the first of them; a conversation's messages are numbered from 0.
    pub first: i64,
    /// The number of the oldest message the history keeps; older ones are deleted.
    pub keep: i64,
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
    // The save statement stores these (a trigger on SQLite, a data-modifying `WITH` on
    // PostgreSQL) in the same statement that checks and bumps the version, so a save is still
    // one atomic statement: the messages are appended if and only if the state is.
    let history = &conversation.history;
    let kept = history.len() as u64;
    let added = conversation
        .messages
        .saturating_sub(conversation.stored_messages)
        .min(kept);
    let number =
        |n: u64| i64::try_from(n).map_err(|_| StoreError::Conflict(conversation.id.clone()));
    let first = number(conversation.messages - added)?;
    let keep = number(conversation.messages - kept)?;
    let added = serde_json::to_string(&history[(kept - added) as usize..]).map_err(|error| {
        StoreError::Corrupt {
            id: conversation.id.clone(),
            reason: format!("messages cannot be serialized: {error}"),
        }
    })?;
    let updated_at = timestamp(&conversation.updated_at);
    Ok(Row {
        expected,
        next,
        state,
        added,
        first,
        keep,
        updated_at,
    })
}

/// A stored conversation as read: its row's columns and its messages as one JSON array.
pub(crate) struct Stored<'a> {
    pub id: &'a str,
    pub state: &'a str,
    pub messages: &'a str,
    pub version: i64,
    pub is_default: bool,
}

/// Decodes a stored conversation; the `version` and `is_default` columns are authoritative.
///
/// Reasons name where the JSON is wrong, never what it contains: a corrupt row's text is a
/// user's conversation and must not end up in logs.
pub(crate) fn decode(stored: Stored<'_>) -> Result<Conversation, StoreError> {
    let Stored {
        id,
        state,
        messages,
        version,
        is_default,
    } = stored;
    let corrupt = |reason: String| StoreError::Corrupt {
        id: id.to_owned(),
        reason,
    };
    let wrong = |what: &str, error: serde_json::Error| {
        corrupt(format!(
            "{what} ({:?} error at line {} column {})",
            error.classify(),
            error.line(),
            error.column()
        ))
    };
    let mut conversation: Conversation =
        serde_json::from_str(state).map_err(|error| wrong("state is not a conversation", error))?;
    let mut history: Vec<HistoryEntry> = serde_json::from_str(messages)
        .map_err(|error| wrong("messages are not a conversation's", error))?;
    // Saved before messages had rows of their own (migration 0003), the history is inside the
    // state; none of it is a row yet, so the next save appends all of it.
    let inside_state = history.is_empty();
    if inside_state {
        history = serde_json::from_str::<Legacy>(state)
            .map_err(|error| wrong("history is not a conversation's", error))?
            .history;
    }
    let count = history.len() as u64;
    conversation.messages = conversation.messages.max(count);
    conversation.stored_messages = conversation.messages - if inside_state { count } else { 0 };
    conversation.history = history.into_iter().map(Arc::new).collect();
    if conversation.id != id {
        return Err(corrupt("state belongs to another conversation".to_owned()));
    }
    conversation.version =
        u64::try_from(version).map_err(|_| corrupt(format!("version {version} is negative")))?;
    conversation.default = is_default;
    Ok(conversation)
}

/// The history as conversations saved before migration 0003 kept it, inside the state.
#[derive(Deserialize)]
struct Legacy {
    #[serde(default)]
    history: Vec<HistoryEntry>,
}

/// How many conversations one purge statement deletes (each with its message rows, up to
/// `history_limit`), so the write lock is never held long (turns wait for it) however many
/// conversations fell out of the retention at once.
pub(crate) const PURGE_BATCH: i64 = 1_000;

/// A time as the `updated_at` text SQLite stores (and PostgreSQL casts).
pub(crate) fn timestamp(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}
