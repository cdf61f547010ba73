//! Sending numbered deliveries on a schedule: open loop at a fixed rate, sent on time whatever
//! the answers do (the way platforms deliver), or closed loop by a fixed number of workers
//! each waiting for its answer. Shared by the webhook (W6) and channel (W7) loads.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use switchboard_bench::drive::Load;
use switchboard_bench::stop::Stop;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// One delivery's answer: its number, and the time to an acceptance or why it failed.
pub struct Answer {
    pub n: u64,
    pub result: Result<Duration, String>,
}

/// Every delivery's answer, and how many were not sent because `max_in_flight` were.
pub struct Sent {
    pub answers: Vec<Answer>,
    pub overloaded: u64,
}

/// Sends deliveries `0, 1, 2, ...` with `deliver(n)` until the load's stop rule says so: at
/// `rate` per second when given (at most `max_in_flight` at once; one more is counted, not
/// queued), else by `load.concurrency` workers.
pub async fn send<F, Fut>(
    load: Load,
    rate: Option<f64>,
    max_in_flight: usize,
    deliver: Arc<F>,
) -> anyhow::Result<Sent>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Answer> + Send + 'static,
{
    let started = Instant::now();
    let stop = Arc::new(Stop::new(load.duration, load.requests));
    let mut tasks = JoinSet::new();
    let mut overloaded = 0u64;
    match rate {
        Some(rate) => {
            let gate = Arc::new(Semaphore::new(max_in_flight));
            let mut n = 0u64;
            'schedule: loop {
                let due = (started.elapsed().as_secs_f64() * rate) as u64;
                while n < due {
                    if !stop.next() {
                        break 'schedule;
                    }
                    let Ok(permit) = gate.clone().try_acquire_owned() else {
                        overloaded += 1;
                        n += 1;
                        continue;
                    };
                    let deliver = deliver.clone();
                    let this = n;
                    tasks.spawn(async move {
                        let a = deliver(this).await;
                        drop(permit);
                        vec![a]
                    });
                    n += 1;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        None => {
            let next = Arc::new(AtomicU64::new(0));
            for _ in 0..load.concurrency {
                let (deliver, stop, next) = (deliver.clone(), stop.clone(), next.clone());
                tasks.spawn(async move {
                    let mut out = Vec::new();
                    while stop.next() {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        out.push(deliver(n).await);
                    }
                    out
                });
            }
        }
    }
    let mut answers = Vec::new();
    while let Some(batch) = tasks.join_next().await {
        answers.extend(batch?);
    }
    Ok(Sent {
        answers,
        overloaded,
    })
}
