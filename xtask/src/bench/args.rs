//! The command line of `cargo xtask bench`: workloads, settings, durations.

use anyhow::bail;
use std::time::Duration;

/// Run the benchmark workloads (all available ones by default).
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Workloads: W1, W2, W3, W4, W5, W6, W7, W8, W9, micro. Default: all of them.
    pub workloads: Vec<String>,
    /// Settings to run: a (concurrency 1, no delay), b (concurrency 64, no delay),
    /// c (concurrency 64, 20 ms on every upstream call).
    #[arg(long, default_value = "a,b,c", value_delimiter = ',')]
    pub settings: Vec<String>,
    /// Measured window of each run.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Warm-up before each measured window.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Runs of every measurement; the tables show medians.
    #[arg(long, default_value_t = 1)]
    pub runs: u32,
    /// Use the binaries already built (`target/measure/`) instead of building them.
    #[arg(long)]
    pub no_build: bool,
    /// Log filter for the Switchboard server (`SWITCHBOARD_LOG`); default: its own default.
    #[arg(long)]
    pub sut_log: Option<String>,
}

/// A benchmark workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Workload {
    /// One operation through the pipeline, in-process.
    W1,
    /// The order-status turn through the chat API.
    W2,
    /// The order-status turn as a Rasa custom action.
    W3,
    /// Fan-out: three independent 50 ms steps.
    W4,
    /// The W1 call cached: hits, and identical misses coalescing.
    W5,
    /// Webhooks: signed deliveries at rising rates to the users' event streams, and a
    /// poller beside them on the same changes.
    W6,
    /// A messaging channel: signed WhatsApp messages at fixed rates, each answered on the
    /// demo backend's fake send API.
    W7,
    /// A tool call over MCP (`tools/call` of `store_get_order`) beside W1's pipeline call.
    W8,
    /// W2 on one instance with in-process state beside three instances on one PostgreSQL
    /// and one Redis.
    W9,
    /// Criterion micro-benchmarks of the hot pieces.
    Micro,
}

impl Workload {
    /// Every workload available today, in run order.
    pub const AVAILABLE: [Workload; 10] = [
        Workload::W1,
        Workload::W2,
        Workload::W3,
        Workload::W4,
        Workload::W5,
        Workload::W6,
        Workload::W7,
        Workload::W8,
        Workload::W9,
        Workload::Micro,
    ];

    fn parse(s: &str) -> anyhow::Result<Workload> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "W1" => Workload::W1,
            "W2" => Workload::W2,
            "W3" => Workload::W3,
            "W4" => Workload::W4,
            "W5" => Workload::W5,
            "W6" => Workload::W6,
            "W7" => Workload::W7,
            "W8" => Workload::W8,
            "W9" => Workload::W9,
            "MICRO" => Workload::Micro,
            other => {
                bail!("unknown workload {other:?}: use W1, W2, W3, W4, W5, W6, W7, W8, W9 or micro")
            }
        })
    }
}

/// A machine-protocol setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Setting {
    /// Concurrency 1, no added delay.
    A,
    /// Concurrency 64, no added delay.
    B,
    /// Concurrency 64, 20 ms on every upstream route.
    C,
}

impl Setting {
    /// Its letter.
    pub fn name(self) -> &'static str {
        match self {
            Setting::A => "a",
            Setting::B => "b",
            Setting::C => "c",
        }
    }

    /// Requests in flight.
    pub fn concurrency(self) -> usize {
        match self {
            Setting::A => 1,
            Setting::B | Setting::C => 64,
        }
    }

    /// Delay the backend adds to every upstream call.
    pub fn delay_ms(self) -> u64 {
        match self {
            Setting::A | Setting::B => 0,
            Setting::C => 20,
        }
    }

    fn parse(s: &str) -> anyhow::Result<Setting> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "a" => Setting::A,
            "b" => Setting::B,
            "c" => Setting::C,
            other => bail!("unknown setting {other:?}: use a, b or c"),
        })
    }
}

/// The checked plan of one invocation.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Workloads in run order.
    pub workloads: Vec<Workload>,
    /// Settings in order.
    pub settings: Vec<Setting>,
    /// Measured window.
    pub duration: Duration,
    /// Warm-up.
    pub warmup: Duration,
    /// Runs per measurement.
    pub runs: u32,
}

impl BenchArgs {
    /// Checks the arguments and fixes the order of work.
    pub fn plan(&self) -> anyhow::Result<Plan> {
        let mut workloads = if self.workloads.is_empty() {
            Workload::AVAILABLE.to_vec()
        } else {
            self.workloads
                .iter()
                .map(|w| Workload::parse(w))
                .collect::<anyhow::Result<Vec<_>>>()?
        };
        workloads.sort();
        workloads.dedup();
        let mut settings = self
            .settings
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| Setting::parse(s))
            .collect::<anyhow::Result<Vec<_>>>()?;
        settings.sort();
        settings.dedup();
        if settings.is_empty() {
            bail!("--settings names no setting");
        }
        if !(1..=20).contains(&self.runs) {
            bail!("--runs must be 1 to 20");
        }
        if self.duration < Duration::from_millis(500) || self.duration > Duration::from_secs(120) {
            bail!("--duration must be between 500ms and 2m: every run is bounded");
        }
        if self.warmup > Duration::from_secs(30) {
            bail!("--warmup is at most 30s");
        }
        Ok(Plan {
            workloads,
            settings,
            duration: self.duration,
            warmup: self.warmup,
            runs: self.runs,
        })
    }
}

/// Parses `10s`, `500ms`, `2m` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("not a duration: {s:?} (try 10s or 500ms)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("unknown unit in {s:?}: use ms, s or m")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("not a duration: {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(workloads: &[&str], settings: &[&str]) -> BenchArgs {
        BenchArgs {
            workloads: workloads.iter().map(|s| s.to_string()).collect(),
            settings: settings.iter().map(|s| s.to_string()).collect(),
            duration: Duration::from_secs(10),
            warmup: Duration::from_secs(1),
            runs: 1,
            no_build: false,
            sut_log: None,
        }
    }

    #[test]
    fn plans() {
        let p = args(&[], &["c", "a"]).plan().expect("valid");
        assert_eq!(p.workloads, Workload::AVAILABLE.to_vec());
        assert_eq!(p.settings, vec![Setting::A, Setting::C]);
        let p = args(&["w4", "W2", "w2"], &["b"]).plan().expect("valid");
        assert_eq!(p.workloads, vec![Workload::W2, Workload::W4]);
    }

    #[test]
    fn mistakes() {
        let p = args(&["w6"], &["a"]).plan().expect("W6 is there");
        assert_eq!(p.workloads, vec![Workload::W6]);
        assert!(args(&["W10"], &["a"]).plan().is_err());
        assert!(args(&[], &["d"]).plan().is_err());
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("1h").is_err());
    }
}
