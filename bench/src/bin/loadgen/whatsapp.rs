//! `loadgen whatsapp`: WhatsApp Cloud API deliveries, signed with the app secret as Meta signs
//! them, posted to a channel at a fixed rate (open loop) or by a fixed number of workers, while
//! the demo backend's fake send API is followed (`GET /admin/channels/whatsapp/sent?after=SEQ`)
//! for the replies. A user's k-th accepted message is answered by its k-th reply (the channel
//! handles one conversation in order), which gives receipt-to-reply latency from the send time
//! here to the fake's `at_us`, and proves that every accepted message got exactly one reply
//! with the expected text.

use crate::Common;
use crate::schedule::{self, Answer};
use anyhow::Context;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use switchboard_bench::measure;
use switchboard_bench::result::{Recorder, RunResult, WebhookStats};
use switchboard_bench::stop::parse_duration;
use switchboard_bench::whatsapp;

/// How often the fake's sent list is read.
const FOLLOW_EVERY: Duration = Duration::from_millis(20);

/// Arguments of `loadgen whatsapp`.
#[derive(Debug, clap::Args)]
pub struct WhatsappArgs {
    /// The channel, `http://127.0.0.1:PORT/v1/channels/whatsapp`.
    #[arg(long)]
    url: String,
    /// A file holding the app secret that signs deliveries.
    #[arg(long)]
    app_secret_file: PathBuf,
    /// The business number's id the deliveries are addressed to.
    #[arg(long)]
    phone_number_id: String,
    /// The demo backend, `http://127.0.0.1:PORT`, whose fake send API gets the replies.
    #[arg(long)]
    backend: String,
    /// The user's message.
    #[arg(long)]
    message: String,
    /// The reply every message must get, exactly.
    #[arg(long)]
    reply: String,
    /// Users (phone numbers) the messages come from, round robin.
    #[arg(long, default_value_t = 64)]
    users: usize,
    /// Tag in message ids (`wamid.BENCH_TAG_N`), unique per run.
    #[arg(long, default_value = "w7")]
    tag: String,
    /// Open loop: messages per second. Without it: closed loop, `--concurrency` workers.
    #[arg(long)]
    rate: Option<f64>,
    /// Open loop: most deliveries in flight; one more is counted as an error, not queued.
    #[arg(long, default_value_t = 2048)]
    max_in_flight: usize,
    /// After sending, how long to wait for the last reply.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    drain: Duration,
    #[command(flatten)]
    common: Common,
}

/// Per user, in send order: each message's number and send time, and each reply's time.
#[derive(Default)]
struct Ledger {
    /// `(n, sent at, Unix µs)` per user.
    sent: Vec<Vec<(u64, i64)>>,
    /// Reply times (Unix µs) per user, in the fake's order.
    replies: Vec<Vec<i64>>,
    /// Replies whose text was not the expected one, and the first of them.
    wrong: u64,
    first_wrong: Option<String>,
    /// Replies to numbers no user here has.
    foreign: u64,
}

/// Runs the channel load.
pub async fn run(args: WhatsappArgs) -> anyhow::Result<RunResult> {
    let load = args.common.load()?;
    anyhow::ensure!(args.users >= 1, "--users must be at least 1");
    if let Some(rate) = args.rate {
        anyhow::ensure!(
            rate > 0.0 && rate <= 100_000.0,
            "--rate must be between 0 and 100000 per second"
        );
    }
    let secret = std::fs::read_to_string(&args.app_secret_file)
        .with_context(|| format!("reading {}", args.app_secret_file.display()))?
        .trim()
        .to_string();
    anyhow::ensure!(!secret.is_empty(), "the app secret file is empty");
    let client = reqwest::Client::builder()
        .http1_only()
        .timeout(args.common.timeout)
        .pool_max_idle_per_host(64)
        .build()?;

    let ledger = Arc::new(Mutex::new(Ledger {
        sent: vec![Vec::new(); args.users],
        replies: vec![Vec::new(); args.users],
        ..Ledger::default()
    }));
    // Follow the fake from what it holds now: earlier runs' replies are not this run's.
    let sent_url = format!(
        "{}/admin/channels/whatsapp/sent",
        args.backend.trim_end_matches('/')
    );
    let mut cursor = last_seq(&client, &sent_url).await?;
    let (stop_follow, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let follower = {
        let (client, ledger, reply) = (client.clone(), ledger.clone(), args.reply.clone());
        tokio::spawn(async move {
            loop {
                let last = tokio::select! {
                    _ = &mut stopped => true,
                    _ = tokio::time::sleep(FOLLOW_EVERY) => false,
                };
                let page = read_after(&client, &sent_url, cursor).await?;
                let mut l = ledger.lock().unwrap_or_else(|p| p.into_inner());
                for e in &page {
                    cursor = cursor.max(e["seq"].as_u64().unwrap_or(cursor));
                    record(&mut l, e, &reply);
                }
                drop(l);
                if last {
                    return anyhow::Ok(());
                }
            }
        })
    };

    let sender = Arc::new(Sender {
        client,
        url: args.url.clone(),
        secret,
        phone_number_id: args.phone_number_id.clone(),
        message: args.message.clone(),
        users: args.users,
        tag: args.tag.clone(),
        ledger: ledger.clone(),
    });
    let cpu_before = measure::process_cpu()?;
    let started = Instant::now();
    let deliver = Arc::new(move |n| {
        let sender = sender.clone();
        async move { sender.deliver(n).await }
    });
    let sent = schedule::send(load, args.rate, args.max_in_flight, deliver).await?;
    let mut out = RunResult {
        mode: match args.rate {
            Some(r) => format!("whatsapp:rate-{r}"),
            None => "whatsapp:closed".into(),
        },
        concurrency: load.concurrency,
        ..RunResult::default()
    };
    let mut ack = Recorder::new();
    let mut accepted = std::collections::HashSet::new();
    for a in sent.answers {
        match a.result {
            Ok(latency) => {
                ack.record(latency);
                accepted.insert(a.n);
            }
            Err(e) => {
                out.errors += 1;
                out.first_error.get_or_insert(e);
            }
        }
    }
    if sent.overloaded > 0 {
        out.errors += sent.overloaded;
        out.first_error.get_or_insert_with(|| {
            format!(
                "{} messages not sent: {} already in flight",
                sent.overloaded, args.max_in_flight
            )
        });
    }
    let sent_for = started.elapsed();
    let cpu_after = measure::process_cpu()?;

    // Drain: until each user has as many replies as accepted messages, or time is up.
    let drain_started = Instant::now();
    loop {
        let done = {
            let l = ledger.lock().unwrap_or_else(|p| p.into_inner());
            l.sent
                .iter()
                .zip(&l.replies)
                .all(|(s, r)| r.len() >= s.iter().filter(|(n, _)| accepted.contains(n)).count())
        };
        if done || drain_started.elapsed() >= args.drain || follower.is_finished() {
            break;
        }
        tokio::time::sleep(FOLLOW_EVERY).await;
    }
    let drain = drain_started.elapsed();
    // A reply sent twice would come a little later: read once more after a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = stop_follow.send(());
    match follower.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            out.errors += 1;
            out.first_error
                .get_or_insert_with(|| format!("reading the fake's sent list: {e:#}"));
        }
        Err(e) => anyhow::bail!("the follower failed: {e}"),
    }

    let l = ledger.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(w) = &l.first_wrong {
        out.errors += l.wrong;
        out.first_error.get_or_insert_with(|| {
            format!("{} replies were not the expected text; first: {w}", l.wrong)
        });
    }
    let mut stats = tally(&l, &accepted);
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

/// Pairs each user's accepted messages with its replies, in order: `to_stream` is receipt to
/// reply, `duplicates` replies beyond the messages, `unexpected` replies to unknown numbers.
fn tally(l: &Ledger, accepted: &std::collections::HashSet<u64>) -> WebhookStats {
    let mut stats = WebhookStats {
        unexpected: l.foreign,
        ..WebhookStats::default()
    };
    let mut latency = Recorder::new();
    for (sent, replies) in l.sent.iter().zip(&l.replies) {
        let mine: Vec<i64> = sent
            .iter()
            .filter(|(n, _)| accepted.contains(n))
            .map(|(_, at)| *at)
            .collect();
        stats.expected += mine.len() as u64;
        for (sent_at, reply_at) in mine.iter().zip(replies) {
            stats.seen += 1;
            let us = u64::try_from(reply_at - sent_at).unwrap_or(0);
            latency.record(Duration::from_micros(us));
        }
        stats.duplicates += replies.len().saturating_sub(mine.len()) as u64;
    }
    stats.missing = stats.expected - stats.seen;
    stats.to_stream = latency.latency();
    stats
}

/// Counts one reply the fake accepted.
fn record(l: &mut Ledger, entry: &serde_json::Value, reply: &str) {
    let Some(user) = entry["to"]
        .as_str()
        .and_then(whatsapp::user_of)
        .filter(|u| *u < l.replies.len())
    else {
        l.foreign += 1;
        return;
    };
    let text = entry["text"].as_str().unwrap_or("");
    if text != reply {
        l.wrong += 1;
        l.first_wrong.get_or_insert_with(|| format!("{text:?}"));
    }
    l.replies[user].push(entry["at_us"].as_i64().unwrap_or(0));
}

/// The newest `seq` the fake holds (0 when it holds nothing).
async fn last_seq(client: &reqwest::Client, url: &str) -> anyhow::Result<u64> {
    Ok(read_after(client, url, 0)
        .await?
        .iter()
        .filter_map(|e| e["seq"].as_u64())
        .max()
        .unwrap_or(0))
}

/// The fake's entries after `seq`.
async fn read_after(
    client: &reqwest::Client,
    url: &str,
    seq: u64,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let v: serde_json::Value = client
        .get(url)
        .query(&[("after", seq)])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    v["sent"]
        .as_array()
        .cloned()
        .context("the sent list has no `sent` array")
}

/// Signs and posts deliveries.
struct Sender {
    client: reqwest::Client,
    url: String,
    secret: String,
    phone_number_id: String,
    message: String,
    users: usize,
    tag: String,
    ledger: Arc<Mutex<Ledger>>,
}

impl Sender {
    /// Message `n`: from user `n mod users`, its send time noted first.
    async fn deliver(&self, n: u64) -> Answer {
        let user = (n % self.users as u64) as usize;
        let now = unix_us();
        let body = whatsapp::text_delivery(
            &self.phone_number_id,
            &self.tag,
            n,
            &whatsapp::wa_id(user),
            &self.message,
            now / 1_000_000,
        );
        let signature = whatsapp::signature(&self.secret, body.as_bytes());
        let started = Instant::now();
        self.ledger.lock().unwrap_or_else(|p| p.into_inner()).sent[user].push((n, now));
        let result = async {
            let resp = self
                .client
                .post(&self.url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", signature)
                .body(body)
                .send()
                .await
                .map_err(|e| format!("message {n}: {e}"))?;
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            if status.is_success() {
                Ok(started.elapsed())
            } else {
                Err(format!("message {n}: status {status}: {text}"))
            }
        }
        .await;
        Answer { n, result }
    }
}

/// Now, in Unix microseconds: the clock the fake stamps replies with.
fn unix_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_accepted_message_gets_one_reply_in_order() {
        let mut l = Ledger {
            sent: vec![vec![(0, 1_000), (2, 2_000)], vec![(1, 1_500)]],
            replies: vec![Vec::new(), Vec::new()],
            ..Ledger::default()
        };
        let reply = |to: &str, at: i64, text: &str| json!({ "to": to, "at_us": at, "text": text });
        record(&mut l, &reply(&whatsapp::wa_id(0), 4_000, "ok"), "ok");
        record(&mut l, &reply(&whatsapp::wa_id(1), 3_500, "ok"), "ok");
        record(&mut l, &reply(&whatsapp::wa_id(1), 3_600, "ok"), "ok");
        record(&mut l, &reply(&whatsapp::wa_id(7), 3_600, "ok"), "ok");
        record(&mut l, &reply("971500000042", 3_600, "ok"), "ok");
        record(&mut l, &reply(&whatsapp::wa_id(0), 5_000, "nope"), "ok");
        let accepted = [0, 1, 2].into_iter().collect();
        let s = tally(&l, &accepted);
        assert_eq!((s.expected, s.seen, s.missing), (3, 3, 0));
        assert_eq!(s.duplicates, 1, "user 1 got two replies to one message");
        assert_eq!(s.unexpected, 2, "replies to numbers not in the run");
        assert_eq!(l.wrong, 1);
        // 3 ms for each of user 0's and user 1's first messages.
        assert!(
            (s.to_stream.p50_us - 3_000.0).abs() < 10.0,
            "{:?}",
            s.to_stream
        );
        // An unaccepted message expects no reply.
        let only_first = [0, 1].into_iter().collect();
        let s = tally(&l, &only_first);
        assert_eq!((s.expected, s.seen, s.duplicates), (2, 2, 2));
    }
}
