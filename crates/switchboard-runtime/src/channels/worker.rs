//! The channel worker: claims the oldest pending message of each chat, runs it, and settles
//! it. An inbound message becomes a chat turn whose replies are sent back; an outbound one is
//! a proactive message sent to the user's channel. A message the store could not finish is
//! tried again; a turn that ran is never run again because sending its replies failed (the
//! failure is counted, audited by the pipeline and recorded on the message).

use super::receive::Incoming;
use super::send::{self, Recipient};
use super::{Channels, RETENTION, identity};
use crate::engine::{TurnError, TurnRequest};
use crate::storage::StoreError;
use crate::storage::channels::{Direction, QueueStatus, Queued};
use crate::storage::lease;
use futures::StreamExt;
use serde_json::Value;
use std::sync::Weak;
use std::time::Duration;

/// Messages claimed per round (each the head of a different chat).
const BATCH: u32 = 64;
/// Chats worked on at once.
const CONCURRENCY: usize = 16;
/// How often the queue is checked without a wake-up.
const POLL: Duration = Duration::from_millis(500);
/// When a message whose handling the store cut short is tried again.
const STORE_RETRY: Duration = Duration::from_secs(1);
/// Attempts at a message the store or a conflicting turn kept from finishing.
const MAX_ATTEMPTS: u32 = 10;

/// The ordering key of a channel user's messages.
pub(super) fn chat_key(channel: &str, address: &str) -> String {
    format!("{channel}\u{1f}{address}")
}

/// Runs until the channels are dropped.
pub(super) async fn run(channels: Weak<Channels>) {
    let Some(ch) = channels.upgrade() else { return };
    match ch.store.release_leases(&ch.holder, ch.clock.now_ms()).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(target: "switchboard::channel", messages = n, "released the leases of this instance's previous run")
        }
        Err(e) => {
            tracing::warn!(target: "switchboard::channel", error = %e, "cannot release leases")
        }
    }
    drop(ch);
    while let Some(ch) = channels.upgrade() {
        let now = ch.clock.now_ms();
        let lease = lease::until(now);
        let claimed = match ch.store.claim(&ch.holder, now, lease, BATCH).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(target: "switchboard::channel", error = %e, "cannot claim channel messages");
                tokio::time::sleep(STORE_RETRY).await;
                continue;
            }
        };
        if claimed.is_empty() {
            let _ = tokio::time::timeout(POLL, ch.wake.notified()).await;
            continue;
        }
        let work = futures::stream::iter(claimed).for_each_concurrent(CONCURRENCY, |m| {
            let ch = ch.clone();
            async move { process(&ch, m).await }
        });
        lease::while_renewing(work, lease::RENEW, || async {
            let until = lease::until(ch.clock.now_ms());
            if let Err(e) = ch.store.renew(&ch.holder, until).await {
                tracing::warn!(target: "switchboard::channel", error = %e, "cannot renew channel leases");
            }
        })
        .await;
    }
}

/// Deletes settled messages past the retention, once an hour.
pub(super) async fn purge(channels: Weak<Channels>) {
    while let Some(ch) = channels.upgrade() {
        let before = ch.clock.now_ms() - RETENTION.as_millis() as i64;
        match ch.store.purge(before).await {
            Ok(n) if n > 0 => {
                tracing::info!(target: "switchboard::channel", rows = n, "purged old channel messages")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(target: "switchboard::channel", error = %e, "purge failed"),
        }
        drop(ch);
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// Why a message could not be finished now.
enum Unfinished {
    /// Try again later (the store, a conflicting turn on another instance).
    Retry(String),
    /// Give up: nothing will change (a message the engine refuses, a vanished channel).
    Fail(String),
}

impl From<StoreError> for Unfinished {
    fn from(e: StoreError) -> Self {
        Unfinished::Retry(e.to_string())
    }
}

async fn process(ch: &Channels, m: Queued) {
    let result = match m.direction {
        Direction::Inbound => inbound(ch, &m).await,
        Direction::Outbound => outbound(ch, &m).await,
    };
    let settled = match result {
        Ok(None) => {
            ch.store
                .settle(&m.channel, &m.message_id, QueueStatus::Done, None)
                .await
        }
        Ok(Some(why)) | Err(Unfinished::Fail(why)) => {
            ch.store
                .settle(&m.channel, &m.message_id, QueueStatus::Failed, Some(&why))
                .await
        }
        Err(Unfinished::Retry(why)) if m.attempts + 1 >= MAX_ATTEMPTS => {
            ch.store
                .settle(&m.channel, &m.message_id, QueueStatus::Failed, Some(&why))
                .await
        }
        Err(Unfinished::Retry(why)) => {
            tracing::warn!(target: "switchboard::channel", channel = %m.channel, reason = %why, "channel message will be tried again");
            let at = ch.clock.now_ms() + STORE_RETRY.as_millis() as i64 * i64::from(m.attempts + 1);
            ch.store.retry(&m.channel, &m.message_id, &why, at).await
        }
    };
    if let Err(e) = settled {
        // The lease runs out and the message is claimed again.
        tracing::warn!(target: "switchboard::channel", channel = %m.channel, error = %e, "cannot settle a channel message");
    }
}

/// Runs the turn and sends its replies. `Ok(Some(why))`: the turn ran but a reply was not
/// sent (recorded, not retried: the turn must not run twice).
async fn inbound(ch: &Channels, m: &Queued) -> Result<Option<String>, Unfinished> {
    let Some(channel) = ch.project().channels.get(&m.channel) else {
        return Err(Unfinished::Fail(format!(
            "channel {:?} is no longer configured",
            m.channel
        )));
    };
    let incoming: Incoming = serde_json::from_str(&m.payload)
        .map_err(|e| Unfinished::Fail(format!("unreadable stored message: {e}")))?;
    let user_id = identity::user_for(ch, channel, &incoming.address).await?;
    let wrote_at = incoming
        .sent_at
        .unwrap_or_else(|| ch.clock.now_ms())
        .min(ch.clock.now_ms());
    let context = incoming.context.to_string();
    ch.store
        .touch(&channel.name, &incoming.address, wrote_at, &context)
        .await?;
    let turn = ch
        .engine
        .turn(TurnRequest {
            user_id,
            text: incoming.text.clone(),
            conversation_id: None,
            // A message handled again (its lease ran out mid-turn, the instance was killed)
            // gets the replies the turn gave, without running it twice.
            message_id: Some(format!("{}:{}", channel.name, incoming.message_id)),
            stream: false,
        })
        .await;
    let response = match turn {
        Ok(r) => r,
        Err(TurnError::Conflict(e) | TurnError::Storage(e) | TurnError::Unavailable(e)) => {
            return Err(Unfinished::Retry(e));
        }
        Err(TurnError::Invalid(e) | TurnError::NotFound(e)) => return Err(Unfinished::Fail(e)),
    };
    let to = Recipient {
        address: &incoming.address,
        context: &incoming.context,
        last_inbound_at: wrote_at,
    };
    let mut failure = None;
    for reply in &response.replies {
        if let Err(why) = send::deliver(ch, channel, &to, &reply.text, &reply.options, false).await
        {
            failure.get_or_insert(why);
        }
    }
    Ok(failure)
}

/// Sends a proactive message to the user's channel.
async fn outbound(ch: &Channels, m: &Queued) -> Result<Option<String>, Unfinished> {
    let Some(channel) = ch.project().channels.get(&m.channel) else {
        return Err(Unfinished::Fail(format!(
            "channel {:?} is no longer configured",
            m.channel
        )));
    };
    let payload: Value = serde_json::from_str(&m.payload)
        .map_err(|e| Unfinished::Fail(format!("unreadable stored message: {e}")))?;
    let field = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or_default();
    let (user_id, address, text) = (field("user_id"), field("address"), field("text"));
    // Where and when the user last wrote on this channel (the window is measured from it).
    let contact = ch.store.contact(user_id, Some(&channel.name)).await?;
    let Some(contact) = contact.filter(|c| c.address == address) else {
        return Err(Unfinished::Fail(
            "the user's channel address changed".into(),
        ));
    };
    let context: Value = serde_json::from_str(&contact.context).unwrap_or(Value::Null);
    let to = Recipient {
        address: &contact.address,
        context: &context,
        last_inbound_at: contact.last_inbound_at,
    };
    Ok(send::deliver(ch, channel, &to, text, &[], true).await.err())
}
