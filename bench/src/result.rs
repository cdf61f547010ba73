//! The JSON every benchmark tool prints on stdout, and the latency histogram behind it.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50_us: f64,
    /// 90th percentile.
    pub p90_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// Largest.
    pub max_us: f64,
    /// Mean.
    pub mean_us: f64,
}

/// Records latencies (nanoseconds, 3 significant digits, up to 10 minutes).
#[derive(Debug, Clone)]
pub struct Recorder {
    hist: Histogram<u64>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Recorder {
        // The bounds are constants that hdrhistogram accepts; failing here is a programming error.
        let hist =
            Histogram::new_with_bounds(1, 600_000_000_000, 3).expect("valid histogram bounds");
        Recorder { hist }
    }

    /// Adds one observation.
    pub fn record(&mut self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).max(1);
        self.hist.saturating_record(ns);
    }

    /// Adds everything another recorder saw.
    pub fn merge(&mut self, other: &Recorder) {
        // Same bounds on both sides, so adding cannot fail; saturate rather than panic anyway.
        if self.hist.add(&other.hist).is_err() {
            for v in other.hist.iter_recorded() {
                self.hist
                    .saturating_record_n(v.value_iterated_to(), v.count_at_value());
            }
        }
    }

    /// Observations recorded.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The percentiles.
    pub fn latency(&self) -> Latency {
        if self.hist.is_empty() {
            return Latency::default();
        }
        let us = |ns: u64| ns as f64 / 1000.0;
        Latency {
            p50_us: us(self.hist.value_at_quantile(0.50)),
            p90_us: us(self.hist.value_at_quantile(0.90)),
            p99_us: us(self.hist.value_at_quantile(0.99)),
            max_us: us(self.hist.max()),
            mean_us: self.hist.mean() / 1000.0,
        }
    }
}

/// What one tool invocation measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunResult {
    /// What was driven (`chat`, `chain:order-status`, `w1:pipeline`, ...).
    pub mode: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests that completed with the expected answer.
    pub requests: u64,
    /// Requests that failed or answered something else.
    pub errors: u64,
    /// The first failure, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
    /// Length of the measured window, in seconds.
    pub duration_s: f64,
    /// Completed requests per second.
    pub rps: f64,
    /// Latency of the completed requests.
    pub latency: Latency,
    /// CPU time of this tool's own process per request, in microseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_cpu_us_per_request: Option<f64>,
    /// Peak RSS of this tool's own process, KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_peak_rss_kib: Option<u64>,
    /// Requests made in all, warm-up included (for checking the upstream's counters).
    pub requests_total: u64,
    /// Per-request ratios of a turn's latency to its steps' latencies (W4), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<StepRatios>,
    /// Webhook deliveries and the messages they became (W6), for `loadgen webhooks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhooks: Option<WebhookStats>,
}

/// What `loadgen webhooks` saw: deliveries acknowledged, and the messages they became on the
/// users' event streams, each of which must arrive exactly once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WebhookStats {
    /// The open-loop rate asked for, deliveries per second (`None`: closed loop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_rate: Option<f64>,
    /// Users the deliveries were spread over, one event stream each.
    pub users: usize,
    /// Deliveries answered 2xx: the messages expected on the streams.
    pub expected: u64,
    /// Acknowledged deliveries whose message arrived (once or more).
    pub seen: u64,
    /// Messages that arrived more than once (extra copies).
    pub duplicates: u64,
    /// Acknowledged deliveries whose message never arrived within the drain time.
    pub missing: u64,
    /// Messages for deliveries that were not acknowledged (or not sent by this run).
    pub unexpected: u64,
    /// Send time of the delivery to arrival of its message on the stream.
    pub to_stream: Latency,
    /// From the end of sending until the last expected message arrived, seconds.
    pub drain_s: f64,
}

/// A turn's latency over the slowest of its steps and over the sum of them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StepRatios {
    /// Turns measured.
    pub turns: u64,
    /// Median of turn latency / slowest step latency.
    pub over_max_p50: f64,
    /// 90th percentile of the same.
    pub over_max_p90: f64,
    /// Median of turn latency / sum of step latencies.
    pub over_sum_p50: f64,
    /// Median slowest step, milliseconds.
    pub max_step_p50_ms: f64,
    /// Median sum of steps, milliseconds.
    pub sum_steps_p50_ms: f64,
}

impl StepRatios {
    /// Summarises `(turn_ms, max_step_ms, sum_steps_ms)` triples.
    pub fn from_samples(samples: &[(f64, f64, f64)]) -> Option<StepRatios> {
        let usable: Vec<&(f64, f64, f64)> =
            samples.iter().filter(|s| s.1 > 0.0 && s.2 > 0.0).collect();
        if usable.is_empty() {
            return None;
        }
        let over_max: Vec<f64> = usable.iter().map(|s| s.0 / s.1).collect();
        let over_sum: Vec<f64> = usable.iter().map(|s| s.0 / s.2).collect();
        let maxes: Vec<f64> = usable.iter().map(|s| s.1).collect();
        let sums: Vec<f64> = usable.iter().map(|s| s.2).collect();
        Some(StepRatios {
            turns: usable.len() as u64,
            over_max_p50: quantile(over_max.clone(), 0.5),
            over_max_p90: quantile(over_max, 0.9),
            over_sum_p50: quantile(over_sum, 0.5),
            max_step_p50_ms: quantile(maxes, 0.5),
            sum_steps_p50_ms: quantile(sums, 0.5),
        })
    }
}

/// The `q` quantile (nearest rank) of some numbers; 0 when there are none.
pub fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_merge() {
        let mut a = Recorder::new();
        let mut b = Recorder::new();
        for ms in 1..=50 {
            a.record(Duration::from_millis(ms));
        }
        for ms in 51..=100 {
            b.record(Duration::from_millis(ms));
        }
        a.merge(&b);
        let l = a.latency();
        assert_eq!(a.count(), 100);
        assert!((l.p50_us - 50_000.0).abs() < 100.0, "{l:?}");
        assert!((l.max_us - 100_000.0).abs() < 100.0, "{l:?}");
    }

    #[test]
    fn step_ratios() {
        let r =
            StepRatios::from_samples(&[(55.0, 50.0, 150.0), (60.0, 50.0, 150.0), (0.0, 0.0, 0.0)])
                .expect("two usable samples");
        assert_eq!(r.turns, 2);
        assert!((r.over_max_p50 - 1.1).abs() < 1e-9);
        assert_eq!(quantile(vec![], 0.5), 0.0);
        assert_eq!(quantile(vec![3.0, 1.0, 2.0], 0.5), 2.0);
    }
}
