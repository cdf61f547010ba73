//! Pollers as the runtime sees them: a read-only operation with fixed inputs, an interval,
//! where items and their keys are, and routes like a webhook source's.

use super::operation::OperationRef;
use super::webhooks::WebhookRoute;
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::time::Duration;

/// One poller.
#[derive(Debug, Clone)]
pub struct Poller {
    /// Its name (the `source` of its events).
    pub name: String,
    /// The operation called (a GET).
    pub call: OperationRef,
    /// Its inputs.
    pub with: Map<String, Value>,
    /// How often.
    pub every: Duration,
    /// Where the items are in the result.
    pub items: serde_json_path::JsonPath,
    /// Where an item's key is.
    pub key: serde_json_path::JsonPath,
    /// The event type of a new or changed item.
    pub event_type: String,
    /// Whether the first poll's items are events.
    pub initial: bool,
    /// Routing attempts before the dead-letter list.
    pub max_attempts: u32,
    /// First retry wait (doubling).
    pub retry_backoff: Duration,
    /// Most proactive messages per user per hour.
    pub user_hourly_limit: u32,
    /// Routes by event type.
    pub routes: IndexMap<String, WebhookRoute>,
}
