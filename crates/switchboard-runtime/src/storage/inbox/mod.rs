//! The webhook inbox and the proactive-message outbox: events committed before they are
//! acknowledged (unique by source and event id), a queue the routing worker claims from, the
//! dead-letter list, and the messages the event streams replay. One implementation over SQLite
//! and PostgreSQL (`store.rs`); one suite runs on both (tests/storage/inbox.rs).

pub mod feed;
mod store;

pub use store::SqlInbox;

use super::StoreError;
use futures::future::BoxFuture;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use switchboard_config::model::StorageSettings;

/// An event as received, ready to be stored.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The source's name.
    pub source: String,
    /// The sender's event id.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// The parsed body, as JSON text.
    pub payload: String,
    /// When it arrived (Unix milliseconds).
    pub received_at: i64,
    /// Stored as already settled: `Some("stale")` for events too old to push.
    pub settled: Option<EventStatus>,
}

/// Where an event is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Waiting for (or between) routing attempts.
    Pending,
    /// Its message was delivered.
    Delivered,
    /// No route for its type.
    Ignored,
    /// Too old on arrival to be news.
    Stale,
    /// The user had reached the hourly limit of proactive messages.
    Capped,
    /// Its route failed `max_attempts` times.
    Dead,
}

impl EventStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Pending => "pending",
            EventStatus::Delivered => "delivered",
            EventStatus::Ignored => "ignored",
            EventStatus::Stale => "stale",
            EventStatus::Capped => "capped",
            EventStatus::Dead => "dead",
        }
    }
}

/// A poller's last view: item key → (content hash, changes seen).
pub type PollState = HashMap<String, (String, i64)>;

/// Whether an insert stored a new event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// First delivery of this (source, event id).
    New,
    /// Seen before: acknowledge, do nothing.
    Duplicate,
}

/// Who holds claimed events: an instance, stable across its restarts, and one run of it.
///
/// Claims record both, so a live run renews only what it holds, and an instance that starts
/// again releases at once what its previous run held (that run is gone) instead of waiting
/// for the leases to run out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The instance (the data directory's `instance-id`).
    pub instance: String,
    /// This run of it (random per start).
    pub run: String,
}

impl Holder {
    /// A new run of `instance`.
    pub fn new_run(instance: impl Into<String>) -> Holder {
        Holder {
            instance: instance.into(),
            run: uuid::Uuid::new_v4().simple().to_string(),
        }
    }
}

/// A pending event handed to the worker.
#[derive(Debug, Clone)]
pub struct ClaimedEvent {
    /// The source.
    pub source: String,
    /// The event id.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// The parsed body, as JSON text.
    pub payload: String,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// A proactive message to record.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Stable per event (`SOURCE:EVENT_ID`), so a redelivery is recognised.
    pub message_id: String,
    /// The source.
    pub source: String,
    /// The user told.
    pub user_id: String,
    /// The conversation it was added to.
    pub conversation_id: String,
    /// The text.
    pub text: String,
    /// When (Unix milliseconds).
    pub created_at: i64,
}

/// A recorded message, as the event streams send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// The stream position (the server-sent event id).
    pub seq: i64,
    /// The message's id (shown once per id).
    pub message_id: String,
    /// The source.
    pub source: String,
    /// The user.
    pub user_id: String,
    /// The conversation.
    pub conversation_id: String,
    /// The text.
    pub text: String,
    /// When (Unix milliseconds).
    pub created_at: i64,
}

/// Which messages a stream follows.
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    /// Everything for a user.
    User(&'a str),
    /// Everything added to a conversation.
    Conversation(&'a str),
}

/// An event that exhausted its attempts.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    /// The source.
    pub source: String,
    /// The event id.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last failure (template, step or user lookup; never a secret).
    pub last_error: Option<String>,
    /// When it arrived (Unix milliseconds).
    pub received_at: i64,
}

/// What the webhook machinery stores.
pub trait InboxStore: Send + Sync + 'static {
    /// Commits an event durably; a known (source, event id) is `Duplicate` and changes nothing.
    fn insert<'a>(&'a self, event: &'a NewEvent) -> BoxFuture<'a, Result<Inserted, StoreError>>;

    /// Takes up to `limit` pending events due at `now`, oldest first, for `holder`, and hides
    /// them from other claimers until `lease_until` (a worker that dies mid-way leaves them to
    /// be retried once the lease runs out, or at once when its instance starts again).
    fn claim<'a>(
        &'a self,
        holder: &'a Holder,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<ClaimedEvent>, StoreError>>;

    /// Extends to `lease_until` the lease of every pending event `holder` (this run) holds;
    /// returns how many. Settling, failing or postponing an event ends its lease.
    fn renew<'a>(
        &'a self,
        holder: &'a Holder,
        lease_until: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// Records the message (if its id is new) and marks the event delivered, in one
    /// transaction. Returns the message's stream position when it was new.
    fn deliver<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
        message: &'a NewMessage,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>>;

    /// Settles an event without a message (ignored, capped).
    fn settle<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
        status: EventStatus,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Records a failed attempt: retried at `retry_at`, or dead when `None`.
    fn fail<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
        error: &'a str,
        retry_at: Option<i64>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Makes a pending event due again at `at`, without counting an attempt (its routing
    /// was cut short by the store, not by the event).
    fn postpone<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
        at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Messages after stream position `after`, oldest first.
    fn messages_after<'a>(
        &'a self,
        audience: Audience<'a>,
        after: i64,
        limit: u32,
    ) -> BoxFuture<'a, Result<Vec<Message>, StoreError>>;

    /// How many messages a source sent a user since `since`.
    fn sent_since<'a>(
        &'a self,
        source: &'a str,
        user_id: &'a str,
        since: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>>;

    /// The latest stream position (0 when there are no messages).
    fn latest_seq(&self) -> BoxFuture<'_, Result<i64, StoreError>>;

    /// A poller's last view: item key → (content hash, changes seen); empty before its
    /// first poll.
    fn poll_state<'a>(&'a self, poller: &'a str) -> BoxFuture<'a, Result<PollState, StoreError>>;

    /// Records a poll in one transaction: the changed items' new hashes and versions and the
    /// events they become, so a crash loses neither (a change is seen and queued, or neither).
    fn record_poll<'a>(
        &'a self,
        poller: &'a str,
        changed: &'a [(String, String, i64)],
        events: &'a [NewEvent],
        at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Dead events, newest first.
    fn dead_letters(&self, limit: u32) -> BoxFuture<'_, Result<Vec<DeadLetter>, StoreError>>;

    /// The status of one event (tests and operators).
    fn status<'a>(
        &'a self,
        source: &'a str,
        event_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<EventStatus>, StoreError>>;

    /// Deletes settled events and messages older than `before`; pending ones are kept.
    fn purge(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// At start-up: makes claimable at `now` every pending event held by an earlier run of
    /// `holder.instance` (that run was killed), so its events need not wait out their leases,
    /// and ends that run's job leases; returns how many events. SQLite, whose file belongs to
    /// one process, releases every earlier run's leases; PostgreSQL, shared by instances, only
    /// this instance's.
    fn release_leases<'a>(
        &'a self,
        holder: &'a Holder,
        now: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// Takes or renews the lease of a job that runs on one instance at a time (a poller) for
    /// `holder`, unless another run holds it past `now`; true when `holder` holds it. The
    /// leases an earlier run held are ended by [`InboxStore::release_leases`].
    fn hold_job<'a>(
        &'a self,
        job: &'a str,
        holder: &'a Holder,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

/// Opens the inbox in the project's store (the schema is brought up to date as the
/// conversation store does).
pub async fn open(
    settings: &StorageSettings,
    data_dir: &Path,
) -> Result<Arc<dyn InboxStore>, StoreError> {
    Ok(Arc::new(SqlInbox::open(settings, data_dir).await?))
}

pub(crate) fn parse_status(s: &str) -> Option<EventStatus> {
    Some(match s {
        "pending" => EventStatus::Pending,
        "delivered" => EventStatus::Delivered,
        "ignored" => EventStatus::Ignored,
        "stale" => EventStatus::Stale,
        "capped" => EventStatus::Capped,
        "dead" => EventStatus::Dead,
        _ => return None,
    })
}

pub(crate) type DeadRow = (String, String, String, i64, Option<String>, i64);

pub(crate) fn dead_letter(
    (source, event_id, event_type, attempts, last_error, received_at): DeadRow,
) -> DeadLetter {
    DeadLetter {
        source,
        event_id,
        event_type,
        attempts: u32::try_from(attempts).unwrap_or(0),
        last_error,
        received_at,
    }
}
