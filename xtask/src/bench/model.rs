//! What a benchmark run records: one [`Measurement`] per system, setting and run, and what
//! the tools print (read back from their JSON).

use serde::{Deserialize, Serialize};

/// Latency percentiles as the tools print them (microseconds).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ToolLatency {
    /// Median.
    pub p50_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// Largest.
    pub max_us: f64,
}

/// A turn's latency over its steps' (W4).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StepRatios {
    /// Turns measured.
    pub turns: u64,
    /// Median of turn / slowest step.
    pub over_max_p50: f64,
    /// 90th percentile of turn / slowest step.
    pub over_max_p90: f64,
    /// Median of turn / sum of steps.
    pub over_sum_p50: f64,
    /// Median slowest step, ms.
    pub max_step_p50_ms: f64,
    /// Median sum of steps, ms.
    pub sum_steps_p50_ms: f64,
}

/// The JSON `loadgen` and `w1` print.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ToolResult {
    /// Good answers.
    pub requests: u64,
    /// Failures and wrong answers.
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// Measured window, seconds.
    pub duration_s: f64,
    /// Good answers per second.
    pub rps: f64,
    /// Latency.
    pub latency: ToolLatency,
    /// The tool's own CPU per request.
    pub self_cpu_us_per_request: Option<f64>,
    /// The tool's own peak RSS.
    pub self_peak_rss_kib: Option<u64>,
    /// Requests made in all (warm-up included for `w1`).
    pub requests_total: u64,
    /// W4 step ratios.
    pub steps: Option<StepRatios>,
    /// W6: what `loadgen webhooks` (or `loadgen changes`) saw on the event streams.
    pub webhooks: Option<ToolWebhooks>,
}

/// The event-stream half of a `loadgen webhooks` or `loadgen changes` result.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ToolWebhooks {
    /// Acknowledged deliveries (or changes made): messages expected.
    pub expected: u64,
    /// Of those, messages that arrived.
    pub seen: u64,
    /// Extra copies.
    pub duplicates: u64,
    /// Expected messages that never arrived.
    pub missing: u64,
    /// Messages nobody acknowledged.
    pub unexpected: u64,
    /// Send (or change) to arrival on the stream.
    pub to_stream: ToolLatency,
    /// Wait after sending for the last message, seconds.
    pub drain_s: f64,
}

/// W6 figures beyond a measurement's usual ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WebhookFigures {
    /// Deliveries per second asked for (open loop); `None` for the change comparison.
    pub target_rate: Option<f64>,
    /// Deliveries refused, failed or not sent.
    pub errors: u64,
    /// Messages expected on the streams (acknowledged deliveries, or changes made).
    pub expected: u64,
    /// Of those, messages that arrived exactly once or more.
    pub seen: u64,
    /// Extra copies (must be 0).
    pub duplicates: u64,
    /// Messages for unacknowledged deliveries (allowed: the sender would retry them).
    pub unexpected: u64,
    /// Receipt (or change) to the message on the stream, median, ms.
    pub to_stream_p50_ms: f64,
    /// The same, 99th percentile, ms.
    pub to_stream_p99_ms: f64,
    /// Calls the upstream received per hour for this way of noticing changes.
    pub upstream_calls_per_hour: Option<f64>,
    /// The poller's interval, seconds (the poller row).
    pub poll_interval_s: Option<f64>,
    /// From the end of sending until the last expected message arrived, seconds.
    #[serde(default)]
    pub drain_s: f64,
}

/// One measured run of one system.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    /// `W1`, `W2`, `W4`.
    pub workload: String,
    /// `a`, `b` or `c`.
    pub setting: String,
    /// `switchboard`, `baseline`, `floor`, `pipeline`, `bare`.
    pub system: String,
    /// Run number, from 1.
    pub run: u32,
    /// Requests in flight.
    pub concurrency: usize,
    /// Delay added to every upstream call, ms.
    pub delay_ms: u64,
    /// Good answers in the window.
    pub requests: u64,
    /// Window, seconds.
    pub duration_s: f64,
    /// Requests per second.
    pub rps: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Largest, ms.
    pub max_ms: f64,
    /// CPU per request of the measured process (the server for chat systems, the `w1`
    /// process for W1, the load generator itself for the floor), microseconds.
    pub cpu_us_per_request: Option<f64>,
    /// Whose CPU `cpu_us_per_request` is.
    pub cpu_of: String,
    /// Peak RSS of that process, MiB.
    pub peak_rss_mib: Option<f64>,
    /// Start-up to ready, ms (servers).
    pub startup_ms: Option<f64>,
    /// CPU per request of the load generator, microseconds (chat systems).
    pub loadgen_cpu_us_per_request: Option<f64>,
    /// W9: CPU per request of the shared stores (every `postgres` and `redis-server`
    /// process), microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_cpu_us_per_request: Option<f64>,
    /// Upstream calls the backend counted per request.
    pub upstream_calls_per_request: f64,
    /// W4: turn latency over its steps'.
    pub steps: Option<StepRatios>,
    /// W6: deliveries, streams and upstream calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhooks: Option<WebhookFigures>,
}

/// A criterion micro-benchmark result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MicroResult {
    /// `group/function`.
    pub id: String,
    /// Median time per iteration, nanoseconds.
    pub median_ns: f64,
    /// Lower and upper bound of the median's confidence interval, nanoseconds.
    pub median_ci_ns: (f64, f64),
}

/// Where the run happened.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    /// Logical CPUs.
    pub nproc: usize,
    /// CPU model from /proc/cpuinfo.
    pub cpu_model: String,
    /// Kernel release.
    pub kernel: String,
    /// Total memory, MiB.
    pub memory_mib: u64,
    /// Whether processes were pinned with taskset.
    pub pinned: bool,
}

/// The whole result file under `bench/results/`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultsFile {
    /// When the run started (UTC, RFC 3339).
    pub started_at: String,
    /// `git rev-parse HEAD`.
    pub commit: String,
    /// Whether the work tree had uncommitted changes.
    pub dirty: bool,
    /// The command as typed.
    pub command: String,
    /// The machine.
    pub machine: Machine,
    /// Measured window per run, seconds.
    pub duration_s: f64,
    /// Runs per measurement.
    pub runs: u32,
    /// Every measurement.
    pub measurements: Vec<Measurement>,
    /// Micro-benchmarks.
    pub micro: Vec<MicroResult>,
    /// The markdown tables printed at the end.
    pub tables: String,
}
