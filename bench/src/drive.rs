//! Running workers side by side and folding what they saw into one [`RunResult`], with this
//! process's CPU time over exactly that window.

use crate::measure;
use crate::result::{Recorder, RunResult, StepRatios};
use crate::stop::Stop;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many workers and when they stop.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Workers, each with one request in flight.
    pub concurrency: usize,
    /// Stop starting requests after this long.
    pub duration: Option<Duration>,
    /// Stop after this many requests.
    pub requests: Option<u64>,
}

/// What one worker saw.
#[derive(Debug, Default)]
pub struct WorkerOut {
    /// Latencies of good answers.
    pub latencies: Recorder,
    /// Good answers.
    pub ok: u64,
    /// Failures and wrong answers.
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// `(turn_ms, max_step_ms, sum_steps_ms)` when step stats were asked for.
    pub steps: Vec<(f64, f64, f64)>,
}

impl WorkerOut {
    /// Counts a failure, keeping the first one's text.
    pub fn fail(&mut self, what: impl std::fmt::Display) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(what.to_string());
        }
    }

    /// Counts a good answer.
    pub fn ok(&mut self, latency: Duration) {
        self.ok += 1;
        self.latencies.record(latency);
    }
}

/// Runs `concurrency` workers until the stop rule says so and folds their results.
/// `worker(i, stop)` is the i-th worker's loop.
pub async fn drive<F, Fut>(mode: &str, load: Load, worker: F) -> anyhow::Result<RunResult>
where
    F: Fn(usize, Arc<Stop>) -> Fut,
    Fut: Future<Output = WorkerOut> + Send + 'static,
{
    let cpu_before = measure::process_cpu()?;
    let started = Instant::now();
    let stop = Arc::new(Stop::new(load.duration, load.requests));
    let handles: Vec<_> = (0..load.concurrency)
        .map(|i| tokio::spawn(worker(i, stop.clone())))
        .collect();
    let mut all = Recorder::new();
    let mut out = RunResult {
        mode: mode.to_string(),
        concurrency: load.concurrency,
        ..RunResult::default()
    };
    let mut steps = Vec::new();
    for h in handles {
        let w = h.await?;
        all.merge(&w.latencies);
        out.requests += w.ok;
        out.errors += w.errors;
        if out.first_error.is_none() {
            out.first_error = w.first_error;
        }
        steps.extend(w.steps);
    }
    let elapsed = started.elapsed();
    let cpu_after = measure::process_cpu()?;
    out.duration_s = elapsed.as_secs_f64();
    out.rps = if out.duration_s > 0.0 {
        out.requests as f64 / out.duration_s
    } else {
        0.0
    };
    out.latency = all.latency();
    out.requests_total = out.requests + out.errors;
    out.self_cpu_us_per_request =
        measure::per_request_us(cpu_before, cpu_after, out.requests_total);
    out.self_peak_rss_kib = measure::peak_rss_kib();
    out.steps = StepRatios::from_samples(&steps);
    Ok(out)
}
