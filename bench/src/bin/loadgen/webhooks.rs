//! `loadgen webhooks`: Stripe-signed `payment_intent.succeeded` deliveries posted to a
//! webhook source at a fixed rate (open loop) or by a fixed number of workers (closed loop),
//! while one event stream per user is held open; each message that arrives is matched to its
//! delivery by the payment id in its text, giving the receipt-to-stream latency and proving
//! that every acknowledged delivery was shown exactly once.

use crate::Common;
use crate::chat::target;
use crate::schedule::{self, Answer};
use crate::sse;
use anyhow::Context;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_bench::measure;
use switchboard_bench::result::{Recorder, RunResult, WebhookStats};
use switchboard_bench::stop::parse_duration;
use switchboard_bench::stripe;
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// Arguments of `loadgen webhooks`.
#[derive(Debug, clap::Args)]
pub struct WebhooksArgs {
    /// The webhook source, `http://127.0.0.1:PORT/v1/webhooks/payments`.
    #[arg(long)]
    url: String,
    /// A file holding the source's signing secret (`whsec_...`).
    #[arg(long)]
    secret_file: PathBuf,
    /// Users the deliveries go to, round robin; one event stream is held open for each.
    #[arg(long, default_value_t = 16)]
    users: usize,
    /// User ids are this prefix followed by a number.
    #[arg(long, default_value = "bench-w6-")]
    user_prefix: String,
    /// Tag in event and payment ids (`evt_TAG_N`, `pi_TAG_N`), unique per run.
    #[arg(long, default_value = "w6")]
    tag: String,
    /// Open loop: deliveries per second, sent on schedule whatever the answers do.
    /// Without it: closed loop, `--concurrency` workers each waiting for its answer.
    #[arg(long)]
    rate: Option<f64>,
    /// Open loop: most deliveries in flight; one more is counted as an error, not queued.
    #[arg(long, default_value_t = 2048)]
    max_in_flight: usize,
    /// After sending, how long to wait for the last expected message on the streams.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    drain: Duration,
    #[command(flatten)]
    common: Common,
}

/// What the streams saw, shared with their readers.
#[derive(Default)]
struct Seen {
    /// Delivery number → when it was sent.
    sent: HashMap<u64, Instant>,
    /// Delivery number → copies that arrived.
    arrived: HashMap<u64, u32>,
    /// Messages whose delivery number this run never sent.
    foreign: u64,
    /// Send to arrival of first copies.
    latency: Recorder,
    /// A stream that failed, in words.
    failure: Option<String>,
}

/// Runs the webhook load.
pub async fn run(args: WebhooksArgs) -> anyhow::Result<RunResult> {
    let load = args.common.load()?;
    anyhow::ensure!(args.users >= 1, "--users must be at least 1");
    if let Some(rate) = args.rate {
        anyhow::ensure!(
            rate > 0.0 && rate <= 100_000.0,
            "--rate must be between 0 and 100000 per second"
        );
    }
    let t = target(&args.url)?;
    let secret = std::fs::read_to_string(&args.secret_file)
        .with_context(|| format!("reading {}", args.secret_file.display()))?
        .trim()
        .to_string();
    anyhow::ensure!(!secret.is_empty(), "the secret file is empty");
    let users: Vec<String> = (0..args.users)
        .map(|i| format!("{}{i}", args.user_prefix))
        .collect();

    // Streams first: once each has answered, every later message reaches it.
    let seen = Arc::new(Mutex::new(Seen::default()));
    let arrivals = Arc::new(Notify::new());
    let mut readers = JoinSet::new();
    for user in &users {
        let path = format!("/v1/users/{user}/events");
        let mut stream = sse::open(t.addr, &t.host, &path).await?;
        let (seen, arrivals, tag) = (seen.clone(), arrivals.clone(), args.tag.clone());
        readers.spawn(async move {
            loop {
                let next = stream.next_data().await;
                let mut s = seen.lock().unwrap_or_else(|p| p.into_inner());
                match next {
                    Ok(Some((data, at))) => record(&mut s, &data, at, &tag),
                    Ok(None) => {
                        s.failure
                            .get_or_insert_with(|| "an event stream ended".into());
                        break;
                    }
                    Err(e) => {
                        s.failure
                            .get_or_insert_with(|| format!("an event stream failed: {e:#}"));
                        break;
                    }
                }
                drop(s);
                arrivals.notify_one();
            }
        });
    }

    let client = reqwest::Client::builder()
        .http1_only()
        .timeout(args.common.timeout)
        .pool_max_idle_per_host(load.concurrency.max(64))
        .build()?;
    let sender = Arc::new(Sender {
        client,
        url: args.url.clone(),
        secret,
        users,
        tag: args.tag.clone(),
        seen: seen.clone(),
    });
    let cpu_before = measure::process_cpu()?;
    let started = Instant::now();
    let deliver = Arc::new(move |n| {
        let sender = sender.clone();
        async move { sender.deliver(n).await }
    });
    let sent = schedule::send(load, args.rate, args.max_in_flight, deliver).await?;
    let mut ack = Recorder::new();
    let mut accepted = Vec::new();
    let mut out = RunResult {
        mode: match args.rate {
            Some(r) => format!("webhooks:rate-{r}"),
            None => "webhooks:closed".into(),
        },
        concurrency: load.concurrency,
        ..RunResult::default()
    };
    for a in sent.answers {
        match a.result {
            Ok(latency) => {
                ack.record(latency);
                accepted.push(a.n);
            }
            Err(e) => {
                out.errors += 1;
                out.first_error.get_or_insert(e);
            }
        }
    }
    let overloaded = sent.overloaded;
    if overloaded > 0 {
        out.errors += overloaded;
        out.first_error.get_or_insert_with(|| {
            format!(
                "{overloaded} deliveries not sent: {} already in flight",
                args.max_in_flight
            )
        });
    }
    let sent_for = started.elapsed();
    let cpu_after = measure::process_cpu()?;

    // Drain: wait until every acknowledged delivery has arrived, or the drain time is up.
    let drain_started = Instant::now();
    let deadline = drain_started + args.drain;
    loop {
        let done = {
            let s = seen.lock().unwrap_or_else(|p| p.into_inner());
            s.failure.is_some() || accepted.iter().all(|n| s.arrived.contains_key(n))
        };
        if done || Instant::now() >= deadline {
            break;
        }
        let _ = tokio::time::timeout_at(deadline.into(), arrivals.notified()).await;
    }
    let drain = drain_started.elapsed();
    // Copies that would arrive late are still counted: give the streams a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    readers.abort_all();

    let s = seen.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(f) = &s.failure {
        out.errors += 1;
        out.first_error.get_or_insert_with(|| f.clone());
    }
    let mut stats = tally(&accepted, &s);
    stats.target_rate = args.rate;
    stats.users = args.users;
    stats.drain_s = drain.as_secs_f64();
    out.requests = stats.expected;
    out.requests_total = out.requests + out.errors;
    out.duration_s = sent_for.as_secs_f64();
    out.rps = if out.duration_s > 0.0 {
        out.requests as f64 / out.duration_s
    } else {
        0.0
    };
    out.latency = ack.latency();
    out.self_cpu_us_per_request =
        measure::per_request_us(cpu_before, cpu_after, out.requests_total);
    out.self_peak_rss_kib = measure::peak_rss_kib();
    out.webhooks = Some(stats);
    Ok(out)
}

/// Acknowledged deliveries against the messages that arrived: each must be there once.
fn tally(accepted: &[u64], s: &Seen) -> WebhookStats {
    let acked: std::collections::HashSet<u64> = accepted.iter().copied().collect();
    let mut stats = WebhookStats {
        expected: acked.len() as u64,
        unexpected: s.foreign,
        to_stream: s.latency.latency(),
        ..WebhookStats::default()
    };
    for (n, copies) in &s.arrived {
        if acked.contains(n) {
            stats.seen += 1;
        } else {
            stats.unexpected += 1;
        }
        stats.duplicates += u64::from(copies.saturating_sub(1));
    }
    stats.missing = stats.expected - stats.seen;
    stats
}

/// Counts one streamed message against its delivery.
fn record(s: &mut Seen, data: &str, at: Instant, tag: &str) {
    let text = serde_json::from_str::<serde_json::Value>(data)
        .ok()
        .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_owned));
    // Messages of other runs (another tag) are not this run's business.
    let Some(n) = text.as_deref().and_then(|t| stripe::find_payment(t, tag)) else {
        return;
    };
    let Some(&sent) = s.sent.get(&n) else {
        s.foreign += 1;
        return;
    };
    let copies = s.arrived.entry(n).or_insert(0);
    *copies += 1;
    if *copies == 1 {
        s.latency.record(at.saturating_duration_since(sent));
    }
}

/// Signs and posts deliveries.
struct Sender {
    client: reqwest::Client,
    url: String,
    secret: String,
    users: Vec<String>,
    tag: String,
    seen: Arc<Mutex<Seen>>,
}

impl Sender {
    /// Delivery `n`: to user `n mod users`, signed now, its send time noted first.
    async fn deliver(&self, n: u64) -> Answer {
        let user = &self.users[(n % self.users.len() as u64) as usize];
        let now = chrono_now();
        let body = stripe::succeeded_event(&self.tag, n, user, now);
        let signature = stripe::signature(&self.secret, now, body.as_bytes());
        let started = Instant::now();
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .sent
            .insert(n, started);
        let result = async {
            let resp = self
                .client
                .post(&self.url)
                .header("content-type", "application/json")
                .header("stripe-signature", signature)
                .body(body)
                .send()
                .await
                .map_err(|e| format!("delivery {n}: {e}"))?;
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            if status.is_success() {
                Ok(started.elapsed())
            } else {
                Err(format!("delivery {n}: status {status}: {text}"))
            }
        }
        .await;
        Answer { n, result }
    }
}

/// Now, in Unix seconds (the signature's timestamp).
fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        serde_json::json!({ "seq": 1, "text": text }).to_string()
    }

    #[test]
    fn every_acknowledged_delivery_once() {
        let mut s = Seen::default();
        let t0 = Instant::now();
        for n in 0..4 {
            s.sent.insert(n, t0);
        }
        let at = t0 + Duration::from_millis(5);
        record(
            &mut s,
            &message("Payment pi_w6r1_0 of 10.00 USD received."),
            at,
            "w6r1",
        );
        record(
            &mut s,
            &message("Payment pi_w6r1_1 of 10.01 USD received."),
            at,
            "w6r1",
        );
        record(
            &mut s,
            &message("Payment pi_w6r1_1 of 10.01 USD received."),
            at,
            "w6r1",
        );
        // Another run's message is ignored; one this run never sent is unexpected.
        record(
            &mut s,
            &message("Payment pi_w6warm1_2 of 10.02 USD received."),
            at,
            "w6r1",
        );
        record(
            &mut s,
            &message("Payment pi_w6r1_99 of 10.99 USD received."),
            at,
            "w6r1",
        );
        // Delivery 3 was not acknowledged, yet its message came: unexpected, not seen.
        record(
            &mut s,
            &message("Payment pi_w6r1_3 of 10.03 USD received."),
            at,
            "w6r1",
        );
        let stats = tally(&[0, 1, 2], &s);
        assert_eq!(stats.expected, 3);
        assert_eq!(stats.seen, 2);
        assert_eq!(stats.missing, 1);
        assert_eq!(stats.duplicates, 1);
        assert_eq!(stats.unexpected, 2);
        assert_eq!(s.latency.count(), 3);
    }
}
