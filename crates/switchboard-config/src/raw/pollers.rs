//! The `pollers` section: for APIs without webhooks, an operation called on an interval whose
//! changed items become events for routes, as webhook events do.

use super::common::{JsonPathDoc, RawDuration, RawValue, Spanned};
use super::webhooks::RawWebhookRoute;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

/// Calls a read-only operation every `every`, finds the items in its result, and turns each
/// new or changed item (by `key` and a hash of its content) into an event of type
/// `event_type` for `routes`. Templates see `event.key` and `event.item`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Poller")]
pub struct RawPoller {
    /// The operation, as `CONNECTOR.OPERATION`; it must be a GET. Required.
    pub call: Option<Spanned<String>>,
    /// Its inputs: fixed values. Default: none.
    #[serde(default)]
    pub with: IndexMap<Spanned<String>, RawValue>,
    /// How often it is called. At least `1s`. Default: `1m`.
    pub every: Option<Spanned<RawDuration>>,
    /// Where the items are in the operation's result (its extracted data). Default: `$[*]`
    /// (the result is a list of items).
    #[schemars(with = "Option<JsonPathDoc>")]
    pub items: Option<Spanned<String>>,
    /// Where an item's key is, within the item. Default: `$.id`.
    #[schemars(with = "Option<JsonPathDoc>")]
    pub key: Option<Spanned<String>>,
    /// The event type a new or changed item becomes. Default: `changed`.
    pub event_type: Option<Spanned<String>>,
    /// Whether the items found by the first poll are events too; otherwise they are the
    /// baseline changes are measured from. Default: `false`.
    pub initial: Option<Spanned<bool>>,
    /// Attempts at routing an event before the dead-letter list. Default: `5`.
    pub max_attempts: Option<Spanned<u32>>,
    /// Most proactive messages one user gets from this poller per hour. Default: `20`.
    pub user_hourly_limit: Option<Spanned<u32>>,
    /// Event type → what to tell whom, as in a webhook source.
    #[serde(default)]
    pub routes: IndexMap<Spanned<String>, Spanned<RawWebhookRoute>>,
}
