//! Messaging channels: deliveries received (accepted, duplicated or rejected), messages handled
//! in each direction by outcome, and the platforms' delivery statuses. `channel` is the
//! configured channel's name; every other label is a closed list.

use super::metrics::names;
use super::{Telemetry, label, name_label};

/// What became of a delivery from a platform (bounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// Verified and stored.
    Accepted,
    /// Seen before and dropped.
    Duplicate,
    /// Signature missing, wrong or too old.
    Rejected,
    /// Verified, but not a user message (a status callback, the bot's own message, a kind
    /// of message the bot does not read).
    Ignored,
}

impl Receipt {
    fn as_str(self) -> &'static str {
        match self {
            Receipt::Accepted => "accepted",
            Receipt::Duplicate => "duplicate",
            Receipt::Rejected => "rejected",
            Receipt::Ignored => "ignored",
        }
    }
}

/// A delivery from a platform.
#[derive(Debug, Clone, Copy)]
pub struct ChannelReceived<'a> {
    /// The channel.
    pub channel: &'a str,
    /// What became of it.
    pub receipt: Receipt,
}

impl ChannelReceived<'_> {
    /// Counts the delivery and logs it.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(
            names::CHANNEL_RECEIVED,
            vec![
                name_label("channel", self.channel),
                label("receipt", self.receipt.as_str()),
            ],
        )
        .increment(1);
        tracing::debug!(target: "switchboard::channel", channel = self.channel, receipt = self.receipt.as_str(), "channel delivery");
    }
}

/// How sending a message to a channel user ended (bounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// The platform accepted it.
    Sent,
    /// The send API failed after the pipeline's retries (see the operation's call metrics and
    /// audit rows for why).
    Failed,
    /// WhatsApp: the user last wrote more than 24 hours ago and no template is configured.
    OutsideWindow,
    /// The user never wrote from a channel (or from the one named).
    NoContact,
}

impl SendOutcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            SendOutcome::Sent => "sent",
            SendOutcome::Failed => "failed",
            SendOutcome::OutsideWindow => "outside_window",
            SendOutcome::NoContact => "no_contact",
        }
    }
}

/// A message sent (or not) to a channel user: a reply (`proactive` false) or a proactive
/// message.
#[derive(Debug, Clone, Copy)]
pub struct ChannelSent<'a> {
    /// The channel.
    pub channel: &'a str,
    /// Whether it was proactive.
    pub proactive: bool,
    /// How it ended.
    pub outcome: SendOutcome,
}

impl ChannelSent<'_> {
    /// Counts the message and logs failures.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(
            names::CHANNEL_SENT,
            vec![
                name_label("channel", self.channel),
                label("kind", if self.proactive { "proactive" } else { "reply" }),
                label("outcome", self.outcome.as_str()),
            ],
        )
        .increment(1);
        if self.outcome != SendOutcome::Sent {
            tracing::warn!(target: "switchboard::channel", channel = self.channel, proactive = self.proactive, outcome = self.outcome.as_str(), "channel message not sent");
        }
    }
}

/// A delivery status a platform reported for a message the bot sent (WhatsApp `statuses`,
/// Twilio status callbacks): recorded, never treated as a user message.
#[derive(Debug, Clone, Copy)]
pub struct ChannelStatus<'a> {
    /// The channel.
    pub channel: &'a str,
    /// `sent`, `delivered`, `read`, `failed` or `other`.
    pub status: &'static str,
}

impl ChannelStatus<'_> {
    /// Counts the status.
    pub fn emit(&self, t: &Telemetry) {
        t.counter(
            names::CHANNEL_STATUSES,
            vec![
                name_label("channel", self.channel),
                label("status", self.status),
            ],
        )
        .increment(1);
    }
}
