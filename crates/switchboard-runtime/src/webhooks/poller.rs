//! Pollers: for APIs without webhooks, call a read-only operation every interval, find its
//! items, and turn each new or changed one (by key and a SHA-256 of its content) into an
//! event in the inbox, which the worker routes exactly as a webhook event. The new hashes and
//! the events are committed together, so a crash neither loses nor repeats a change; the
//! n-th change of an item is event `KEY:n` everywhere, so instances polling the same API
//! queue it once. A poll that read older data and commits late never moves an item back: the
//! store keeps the higher version (the background tick and an operator's poll may overlap).

use super::{Webhooks, now_ms};
use crate::pipeline::CallContext;
use crate::storage::inbox::NewEvent;
use crate::storage::lease;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Weak;
use switchboard_config::model::Poller;

/// Runs one poller until the machinery is dropped. Instances sharing a database poll by
/// turns: the poller runs where it holds the job's lease (`poller:NAME`), which is asked for
/// every [`lease::RENEW`] and renewed through a poll; an instance that takes the job over
/// (at start, or when the holder died and its lease ran out) polls at once.
pub(super) async fn run(machinery: Weak<Webhooks>, poller: Poller) {
    let job = format!("poller:{}", poller.name);
    let mut due = tokio::time::interval(poller.every);
    due.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ask = tokio::time::interval(lease::RENEW);
    ask.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut held = false;
    loop {
        tokio::select! {
            _ = ask.tick() => {
                let Some(w) = machinery.upgrade() else { break };
                let was = held;
                held = hold(&w, &job).await;
                if held && !was {
                    tracing::info!(target: "switchboard::webhooks", poller = %poller.name, "this instance runs the poller");
                    due.reset_immediately();
                }
            }
            _ = due.tick(), if held => {
                let Some(w) = machinery.upgrade() else { break };
                let work = async {
                    if let Err(reason) = poll(&w, &poller).await {
                        tracing::warn!(target: "switchboard::webhooks", poller = %poller.name, %reason, "poll failed");
                    }
                };
                lease::while_renewing(work, lease::RENEW, || async {
                    hold(&w, &job).await;
                })
                .await;
            }
        }
    }
}

/// Whether this run holds (took or renewed) the job's lease; a store that cannot answer
/// holds nothing, so no two instances poll while it is away.
async fn hold(w: &Webhooks, job: &str) -> bool {
    match w.inbox.hold_job(job, &w.holder, now_ms()).await {
        Ok(held) => held,
        Err(error) => {
            tracing::warn!(target: "switchboard::webhooks", job, %error, "cannot take a job's lease");
            false
        }
    }
}

/// One poll: call, compare, record. Returns how many events it queued.
pub(crate) async fn poll(w: &Webhooks, p: &Poller) -> Result<usize, String> {
    let ctx = CallContext::with_budget(w.project.bot.turn_deadline);
    let record = w
        .pipeline
        .call(&p.call, &p.with, &ctx)
        .await
        .map_err(|e| e.to_string())?;
    if !record.is_ok() {
        return Err(format!(
            "{} answered {:?}{}",
            record.operation,
            record.outcome,
            record
                .status
                .map(|s| format!(" (HTTP {s})"))
                .unwrap_or_default()
        ));
    }
    let known = w
        .inbox
        .poll_state(&p.name)
        .await
        .map_err(|e| e.to_string())?;
    let first = known.is_empty();
    let now = now_ms();
    let mut changed = Vec::new();
    let mut events = Vec::new();
    let mut seen: HashMap<String, ()> = HashMap::new();
    for item in p.items.query(&record.data).all() {
        let key = match p.key.query(item).first() {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        if seen.insert(key.clone(), ()).is_some() {
            continue;
        }
        // serde_json's maps are ordered by key, so equal content hashes equally.
        let hash = hex::encode(Sha256::digest(item.to_string().as_bytes()));
        let version = match known.get(&key) {
            Some((h, _)) if *h == hash => continue,
            Some((_, v)) => v + 1,
            None => 1,
        };
        changed.push((key.clone(), hash.clone(), version));
        if first && !p.initial {
            continue;
        }
        // The n-th change of an item has the same id on every instance that sees it (so
        // instances polling together queue it once), and a return to earlier content (A, B,
        // A) is a new change.
        let event_id = format!("{key}:{version}");
        events.push(NewEvent {
            source: p.name.clone(),
            event_id: event_id.clone(),
            event_type: p.event_type.clone(),
            payload: json!({ "id": event_id, "type": p.event_type, "key": key, "item": item })
                .to_string(),
            received_at: now,
            settled: None,
        });
    }
    if changed.is_empty() {
        return Ok(0);
    }
    w.inbox
        .record_poll(&p.name, &changed, &events, now)
        .await
        .map_err(|e| e.to_string())?;
    if !events.is_empty() {
        w.notify();
    }
    Ok(events.len())
}
