//! `loadgen changes`: makes changes on the demo backend (`POST /admin/payments`, one new
//! payment each) at a fixed spacing while holding the user's event stream open, and times
//! each change until its message arrives: detection latency, for a webhook receiver (the
//! backend sends the event) or a poller (the server finds the change on its next poll).

use crate::Common;
use crate::chat::target;
use crate::sse;
use anyhow::Context;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_bench::result::{Recorder, RunResult, WebhookStats};
use switchboard_bench::stop::parse_duration;
use tokio::sync::Notify;

/// Arguments of `loadgen changes`.
#[derive(Debug, clap::Args)]
pub struct ChangesArgs {
    /// The demo backend, `http://127.0.0.1:PORT` (its admin API makes the changes).
    #[arg(long)]
    backend: String,
    /// The server whose event stream shows the messages, `http://127.0.0.1:PORT`.
    #[arg(long)]
    server: String,
    /// The user the payments are made for, whose stream is followed.
    #[arg(long, default_value = "bench-changes")]
    user: String,
    /// Changes to make.
    #[arg(long, default_value_t = 10)]
    changes: u64,
    /// Time between changes; pick one that does not divide the poll interval, so that the
    /// changes fall at different points of it.
    #[arg(long, value_parser = parse_duration, default_value = "370ms")]
    spacing: Duration,
    /// Wait before the first change (a poller's first poll only records what is there).
    #[arg(long, value_parser = parse_duration, default_value = "0ms")]
    settle: Duration,
    /// After the last change, how long to wait for its message.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    drain: Duration,
    #[command(flatten)]
    common: Common,
}

#[derive(Default)]
struct Seen {
    /// Payment id → when it was made.
    made: HashMap<String, Instant>,
    /// Payment id → copies that arrived.
    arrived: HashMap<String, u32>,
    latency: Recorder,
    failure: Option<String>,
}

/// Runs the changes.
pub async fn run(args: ChangesArgs) -> anyhow::Result<RunResult> {
    anyhow::ensure!(
        (1..=10_000).contains(&args.changes),
        "--changes must be 1 to 10000"
    );
    let backend = target(&args.backend)?;
    let server = target(&args.server)?;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let arrivals = Arc::new(Notify::new());
    let mut stream = sse::open(
        server.addr,
        &server.host,
        &format!("/v1/users/{}/events", args.user),
    )
    .await?;
    let reader = {
        let (seen, arrivals) = (seen.clone(), arrivals.clone());
        tokio::spawn(async move {
            loop {
                let next = stream.next_data().await;
                let mut s = seen.lock().unwrap_or_else(|p| p.into_inner());
                match next {
                    Ok(Some((data, at))) => record(&mut s, &data, at),
                    Ok(None) => {
                        s.failure
                            .get_or_insert_with(|| "the event stream ended".into());
                        break;
                    }
                    Err(e) => {
                        s.failure
                            .get_or_insert_with(|| format!("the event stream failed: {e:#}"));
                        break;
                    }
                }
                drop(s);
                arrivals.notify_one();
            }
        })
    };
    tokio::time::sleep(args.settle).await;
    let client = reqwest::Client::builder()
        .timeout(args.common.timeout)
        .build()?;
    let url = format!("http://{}/admin/payments", backend.host);
    let started = Instant::now();
    let mut out = RunResult {
        mode: "changes".into(),
        concurrency: 1,
        ..RunResult::default()
    };
    for i in 0..args.changes {
        let due = started + args.spacing * u32::try_from(i).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due.into()).await;
        let made = Instant::now();
        let resp = client
            .post(&url)
            .json(&serde_json::json!({ "user_id": args.user, "amount": 1250 + i }))
            .send()
            .await
            .context("making a payment on the backend")?;
        anyhow::ensure!(
            resp.status() == 201,
            "POST /admin/payments answered {}",
            resp.status()
        );
        let payment: serde_json::Value = resp.json().await?;
        let id = payment["id"]
            .as_str()
            .context("the new payment has no id")?
            .to_string();
        seen.lock()
            .unwrap_or_else(|p| p.into_inner())
            .made
            .insert(id, made);
        out.requests += 1;
    }
    let sent_for = started.elapsed();
    let drain_started = Instant::now();
    let deadline = drain_started + args.drain;
    loop {
        let done = {
            let s = seen.lock().unwrap_or_else(|p| p.into_inner());
            s.failure.is_some() || s.made.keys().all(|id| s.arrived.contains_key(id))
        };
        if done || Instant::now() >= deadline {
            break;
        }
        let _ = tokio::time::timeout_at(deadline.into(), arrivals.notified()).await;
    }
    let drain = drain_started.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    reader.abort();
    let s = seen.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(f) = &s.failure {
        out.errors += 1;
        out.first_error = Some(f.clone());
    }
    let seen_count = s
        .made
        .keys()
        .filter(|id| s.arrived.contains_key(*id))
        .count() as u64;
    let stats = WebhookStats {
        target_rate: None,
        users: 1,
        expected: out.requests,
        seen: seen_count,
        duplicates: s
            .arrived
            .values()
            .map(|c| u64::from(c.saturating_sub(1)))
            .sum(),
        missing: out.requests - seen_count,
        unexpected: 0,
        to_stream: s.latency.latency(),
        drain_s: drain.as_secs_f64(),
    };
    out.requests_total = out.requests + out.errors;
    out.duration_s = sent_for.as_secs_f64();
    out.rps = out.requests as f64 / out.duration_s.max(1e-9);
    out.latency = s.latency.latency();
    out.webhooks = Some(stats);
    Ok(out)
}

/// Counts a streamed message against the payment it names.
fn record(s: &mut Seen, data: &str, at: Instant) {
    let Some(text) = serde_json::from_str::<serde_json::Value>(data)
        .ok()
        .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_owned))
    else {
        return;
    };
    let Some((id, made)) = s
        .made
        .iter()
        .find(|(id, _)| mentions(&text, id))
        .map(|(id, t)| (id.clone(), *t))
    else {
        return;
    };
    let copies = s.arrived.entry(id).or_insert(0);
    *copies += 1;
    if *copies == 1 {
        s.latency.record(at.saturating_duration_since(made));
    }
}

/// Whether `text` names `id` as a whole word (`PAY-201` is not in `PAY-2010`).
fn mentions(text: &str, id: &str) -> bool {
    text.match_indices(id).any(|(i, _)| {
        !text[i + id.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_ids_only() {
        assert!(mentions("Payment PAY-2001 of 12.50 USD", "PAY-2001"));
        assert!(!mentions("Payment PAY-20010 of 12.50 USD", "PAY-2001"));
        assert!(mentions("PAY-2001", "PAY-2001"));
    }
}
