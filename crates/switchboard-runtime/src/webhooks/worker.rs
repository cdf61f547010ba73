//! The routing worker: claims stored events, runs their route (user lookup, steps, message),
//! adds the message to the user's conversation and records it in the outbox. Delivery is
//! at least once: a crash anywhere leaves the event pending, and the message id makes a
//! repeat a no-op. A route that keeps failing sends its event to the dead-letter list after
//! `max_attempts`; other events are not held up.

use super::{RETENTION, Webhooks, now_ms, observe};
use crate::engine::execute;
use crate::pipeline::CallContext;
use crate::storage::StoreError;
use crate::storage::inbox::{ClaimedEvent, EventStatus, NewMessage};
use crate::storage::lease;
use crate::template::context;
use futures::StreamExt;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};
use std::sync::Weak;
use std::time::Duration;
use switchboard_config::Project;
use switchboard_config::model::WebhookRoute;

/// Events claimed per round.
const BATCH: u32 = 64;
/// Events routed at once.
const CONCURRENCY: usize = 8;
/// How often the queue is checked without a wake-up (retries that came due, other instances).
const POLL: Duration = Duration::from_millis(500);
/// When an event whose routing the store cut short is tried again.
const STORE_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Why one routing attempt failed (retried, then dead-lettered).
#[derive(Debug, thiserror::Error)]
enum RouteError {
    #[error("{0}")]
    Poison(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Runs until the machinery is dropped (tests build many; a server has one for its lifetime).
pub(super) async fn run(machinery: Weak<Webhooks>) {
    let Some(w) = machinery.upgrade() else { return };
    match w.inbox.release_leases(&w.holder, now_ms()).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(target: "switchboard::webhooks", events = n, "released the leases of this instance's previous run")
        }
        Err(e) => {
            tracing::warn!(target: "switchboard::webhooks", error = %e, "cannot release leases")
        }
    }
    drop(w);
    // Each round holds the machinery only while it works or waits at most `POLL`.
    while let Some(w) = machinery.upgrade() {
        let now = now_ms();
        let claimed = match w
            .inbox
            .claim(&w.holder, now, lease::until(now), BATCH)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(target: "switchboard::webhooks", error = %e, "cannot claim events");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if claimed.is_empty() {
            let _ = tokio::time::timeout(POLL, w.wake.notified()).await;
            continue;
        }
        let work = futures::stream::iter(claimed).for_each_concurrent(CONCURRENCY, |e| {
            let w = w.clone();
            async move { process(&w, e).await }
        });
        renewing(&w, work).await;
    }
}

/// Runs a claimed batch while renewing the leases of its unfinished events, so a slow route
/// never lets another instance take (and deliver again) an event still being worked on.
async fn renewing(w: &Webhooks, work: impl std::future::Future<Output = ()>) {
    lease::while_renewing(work, lease::RENEW, || async {
        let until = lease::until(now_ms());
        if let Err(e) = w.inbox.renew(&w.holder, until).await {
            tracing::warn!(target: "switchboard::webhooks", error = %e, "cannot renew webhook leases");
        }
    })
    .await;
}

/// Deletes settled events and old messages past the retention, once an hour.
pub(super) async fn purge(machinery: Weak<Webhooks>) {
    while let Some(w) = machinery.upgrade() {
        let before = now_ms() - RETENTION.as_millis() as i64;
        match w.inbox.purge(before).await {
            Ok(n) if n > 0 => {
                tracing::info!(target: "switchboard::webhooks", rows = n, "purged old webhook events")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(target: "switchboard::webhooks", error = %e, "purge failed"),
        }
        drop(w);
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// What routing an event needs, from a webhook source or a poller.
struct Routing<'a> {
    routes: &'a IndexMap<String, WebhookRoute>,
    max_attempts: u32,
    retry_backoff: Duration,
    user_hourly_limit: u32,
}

fn routing<'a>(project: &'a Project, source: &str) -> Option<Routing<'a>> {
    if let Some(s) = project.webhooks.get(source) {
        return Some(Routing {
            routes: &s.routes,
            max_attempts: s.max_attempts,
            retry_backoff: s.retry_backoff,
            user_hourly_limit: s.user_hourly_limit,
        });
    }
    project.pollers.get(source).map(|p| Routing {
        routes: &p.routes,
        max_attempts: p.max_attempts,
        retry_backoff: p.retry_backoff,
        user_hourly_limit: p.user_hourly_limit,
    })
}

async fn process(w: &Webhooks, e: ClaimedEvent) {
    let Some(src) = routing(&w.project, &e.source) else {
        settle(w, &e, EventStatus::Ignored).await;
        return;
    };
    match route(w, &src, &e).await {
        Ok(Some(status)) => settle(w, &e, status).await,
        Ok(None) => observe::delivered(w, &e.source, &e.event_type, e.attempts + 1),
        Err(RouteError::Store(err)) => {
            // Not the event's fault: due again shortly, no attempt counted. Should even this
            // fail, the lease runs out and it is retried then.
            tracing::warn!(target: "switchboard::webhooks", source = %e.source, event_id = %e.event_id, error = %err, "store failed while routing; will retry");
            let at = now_ms() + STORE_RETRY.as_millis() as i64;
            if let Err(err) = w.inbox.postpone(&e.source, &e.event_id, at).await {
                tracing::warn!(target: "switchboard::webhooks", error = %err, "cannot postpone an event");
            }
        }
        Err(RouteError::Poison(reason)) => {
            let attempts = e.attempts + 1;
            let retry_at = (attempts < src.max_attempts).then(|| {
                let factor = 2u32.saturating_pow(attempts - 1);
                let wait = src.retry_backoff.saturating_mul(factor).min(MAX_BACKOFF);
                now_ms() + wait.as_millis() as i64
            });
            if retry_at.is_none() {
                observe::dead_lettered(w, &e.source, &e.event_type, attempts, &reason);
                tracing::error!(target: "switchboard::webhooks", source = %e.source, event_id = %e.event_id, %reason, attempts, "webhook event dead-lettered");
            } else {
                tracing::warn!(target: "switchboard::webhooks", source = %e.source, event_id = %e.event_id, %reason, attempts, "webhook route failed; will retry");
            }
            if let Err(err) = w
                .inbox
                .fail(&e.source, &e.event_id, &reason, retry_at)
                .await
            {
                tracing::warn!(target: "switchboard::webhooks", error = %err, "cannot record a failed attempt");
            }
        }
    }
}

async fn settle(w: &Webhooks, e: &ClaimedEvent, status: EventStatus) {
    if let Err(err) = w.inbox.settle(&e.source, &e.event_id, status).await {
        tracing::warn!(target: "switchboard::webhooks", error = %err, "cannot settle an event");
    }
}

/// One attempt. `Ok(Some(status))` settles without a message; `Ok(None)` means delivered.
async fn route(
    w: &Webhooks,
    src: &Routing<'_>,
    e: &ClaimedEvent,
) -> Result<Option<EventStatus>, RouteError> {
    let Some(route) = src.routes.get(&e.event_type) else {
        return Ok(Some(EventStatus::Ignored));
    };
    let event: Value = serde_json::from_str(&e.payload)
        .map_err(|err| RouteError::Poison(format!("stored event is not JSON: {err}")))?;
    let user = match route.user.query(&event).first() {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(RouteError::Poison(format!(
                "no user id at {} in the event",
                route.user
            )));
        }
    };
    if let Err(e) = crate::user_id::check(&user) {
        return Err(RouteError::Poison(format!("the user id is malformed: {e}")));
    }
    let hour_ago = now_ms() - 3_600_000;
    if w.inbox.sent_since(&e.source, &user, hour_ago).await? >= src.user_hourly_limit {
        tracing::info!(target: "switchboard::webhooks", source = %e.source, event_id = %e.event_id, "user's hourly limit reached; message not sent");
        return Ok(Some(EventStatus::Capped));
    }

    let mut base = Map::new();
    base.insert("event".into(), event);
    base.insert("source".into(), Value::String(e.source.clone()));
    base.insert("user".into(), json!({ "id": user }));
    let mut call_ctx = CallContext::with_budget(w.project.bot.turn_deadline);
    call_ctx.user_id = Some(user.clone());
    let intent = &route.intent;
    let executed = execute::run(intent, &w.pipeline, &w.templates, &base, &call_ctx).await;
    if let Some(f) = &executed.failure {
        return Err(RouteError::Poison(format!(
            "step {:?} failed: {:?}{}",
            f.step,
            f.outcome,
            f.status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
        )));
    }
    base.insert("steps".into(), Value::Object(executed.results));
    let text = match w.templates.reply(&intent.reply, &context(&base)) {
        Ok(Some(t)) if !t.trim().is_empty() => t,
        Ok(_) => return Err(RouteError::Poison("the message rendered empty".into())),
        Err(err) => return Err(RouteError::Poison(err.to_string())),
    };

    let message_id = format!("{}:{}", e.source, e.event_id);
    let conversation_id = w.proactive.append(&user, &message_id, &text).await?;
    // Queued for the user's messaging channel before the event is settled, so a crash in
    // between queues it again under the same id (once).
    if let Some(outlet) = &w.outlet {
        outlet
            .send(&user, route.channel.as_deref(), &message_id, &text)
            .await?;
    }
    let message = NewMessage {
        message_id,
        source: e.source.clone(),
        user_id: user,
        conversation_id,
        text,
        created_at: now_ms(),
    };
    if w.inbox
        .deliver(&e.source, &e.event_id, &message)
        .await?
        .is_some()
    {
        w.published(&message.user_id, &message.conversation_id);
    }
    Ok(None)
}
