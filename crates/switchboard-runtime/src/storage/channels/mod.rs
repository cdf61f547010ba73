//! What messaging channels keep: every message received (committed before the platform is
//! acknowledged, unique by the platform's message id), proactive messages queued for a
//! channel, and who each channel user is (their Switchboard user id, when they last wrote,
//! and what a reply to them needs). One implementation over SQLite and PostgreSQL
//! (`store.rs`); one suite runs on both (tests/storage/channels.rs).
//!
//! Messages are queued per chat: only the oldest pending message of a chat can be claimed, so
//! the messages of one conversation are handled in order, on one instance at a time.

mod store;

pub use store::SqlChannelStore;

use super::StoreError;
use super::inbox::{Holder, Inserted};
use futures::future::BoxFuture;
use std::path::Path;
use std::sync::Arc;
use switchboard_config::model::StorageSettings;

/// Whether a queued message came from a user or goes to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Received from the platform: the turn runs, then the replies are sent.
    Inbound,
    /// A proactive message to send.
    Outbound,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }

    fn parse(s: &str) -> Direction {
        if s == "outbound" {
            Direction::Outbound
        } else {
            Direction::Inbound
        }
    }
}

/// Where a queued message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueStatus {
    /// Waiting for (or being) handled.
    Pending,
    /// Handled: the turn ran and its replies were sent (or refused, which is recorded).
    Done,
    /// Given up on.
    Failed,
}

impl QueueStatus {
    fn as_str(self) -> &'static str {
        match self {
            QueueStatus::Pending => "pending",
            QueueStatus::Done => "done",
            QueueStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<QueueStatus> {
        Some(match s {
            "pending" => QueueStatus::Pending,
            "done" => QueueStatus::Done,
            "failed" => QueueStatus::Failed,
            _ => return None,
        })
    }
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewQueued {
    /// The channel's name.
    pub channel: String,
    /// The platform's id (inbound) or the proactive message's id (outbound).
    pub message_id: String,
    /// The ordering key: messages of one chat are handled one at a time, in order.
    pub chat: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What the worker needs, as JSON text.
    pub payload: String,
    /// When it arrived (Unix milliseconds).
    pub received_at: i64,
}

/// A claimed message.
#[derive(Debug, Clone)]
pub struct Queued {
    /// The channel.
    pub channel: String,
    /// Its id.
    pub message_id: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// The payload, as JSON text.
    pub payload: String,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// A channel user as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The channel.
    pub channel: String,
    /// Their address on it.
    pub address: String,
    /// When they last wrote (Unix milliseconds).
    pub last_inbound_at: i64,
    /// What a reply needs besides the address (JSON text).
    pub context: String,
}

/// What the channels store.
pub trait ChannelStore: Send + Sync + 'static {
    /// Commits a message durably; a known (channel, message id) is `Duplicate`.
    fn insert<'a>(&'a self, m: &'a NewQueued) -> BoxFuture<'a, Result<Inserted, StoreError>>;

    /// Takes up to `limit` messages due at `now` that are the oldest pending message of their
    /// chat, for `holder`, hidden from other claimers until `lease_until`.
    fn claim<'a>(
        &'a self,
        holder: &'a Holder,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<Queued>, StoreError>>;

    /// Extends the leases `holder` holds; returns how many.
    fn renew<'a>(
        &'a self,
        holder: &'a Holder,
        lease_until: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// Settles a message (done or failed), with the failure if any.
    fn settle<'a>(
        &'a self,
        channel: &'a str,
        message_id: &'a str,
        status: QueueStatus,
        error: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Makes a message due again at `at`, counting a failed attempt.
    fn retry<'a>(
        &'a self,
        channel: &'a str,
        message_id: &'a str,
        error: &'a str,
        at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// At start-up: releases the leases of this instance's earlier runs (see the inbox's).
    fn release_leases<'a>(
        &'a self,
        holder: &'a Holder,
        now: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// The status of one message (tests and operators).
    fn status<'a>(
        &'a self,
        channel: &'a str,
        message_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<QueueStatus>, StoreError>>;

    /// The user id of a channel user, recording `candidate` if they have none yet (two
    /// instances meeting a new user at once agree on one).
    fn user_for<'a>(
        &'a self,
        channel: &'a str,
        address: &'a str,
        candidate: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<String, StoreError>>;

    /// The user id of a channel user, if known.
    fn known_user<'a>(
        &'a self,
        channel: &'a str,
        address: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>>;

    /// Records that a channel user wrote at `at`, with what a reply needs.
    fn touch<'a>(
        &'a self,
        channel: &'a str,
        address: &'a str,
        at: i64,
        context: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Where a user last wrote from: on `channel` if given, else on any channel.
    fn contact<'a>(
        &'a self,
        user_id: &'a str,
        channel: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<Contact>, StoreError>>;

    /// Deletes settled messages received before `before`.
    fn purge(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>>;
}

/// Opens the channels' store in the project's database.
pub async fn open(
    settings: &StorageSettings,
    data_dir: &Path,
) -> Result<Arc<dyn ChannelStore>, StoreError> {
    Ok(Arc::new(SqlChannelStore::open(settings, data_dir).await?))
}
