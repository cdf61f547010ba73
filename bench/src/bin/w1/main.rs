//! `w1`: workload W1, one operation through the pipeline, in-process. Drives
//! `store.get_order order_id=1001` through `Pipeline::call` (validation, request building,
//! auth, pooled send, classification, schema check, extraction) or, as the floor, the same
//! GET with a bare pooled reqwest client; measures latency and this process's own CPU per
//! call over the measured window (warm-up excluded), and prints one JSON result.

mod callers;

use anyhow::Context;
use callers::Caller;
use clap::Parser;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use switchboard_bench::drive::{Load, WorkerOut, drive};
use switchboard_bench::stop::{Stop, parse_duration};
use tokio::time::Instant;

/// Measure one operation call through the pipeline, or a bare reqwest GET.
#[derive(Debug, Parser)]
#[command(name = "w1")]
struct Args {
    /// The project file (the demo store project).
    #[arg(long)]
    project: PathBuf,
    /// The upstream base URL that replaces the `store` connector's.
    #[arg(long)]
    upstream: String,
    /// What to drive.
    #[arg(long, value_enum)]
    mode: callers::Mode,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Measured window.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    duration: Duration,
    /// Warm-up before the window (fills the connection pool, caches and allocator).
    #[arg(long, value_parser = parse_duration, default_value = "1s")]
    warmup: Duration,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    anyhow::ensure!(
        args.duration <= Duration::from_secs(600) && args.concurrency >= 1,
        "--duration at most 10m, --concurrency at least 1"
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = rt.block_on(run(args))?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

async fn run(args: Args) -> anyhow::Result<switchboard_bench::result::RunResult> {
    let caller = Arc::new(Caller::new(args.mode, &args.project, &args.upstream)?);
    if matches!(args.mode, callers::Mode::Coalesce) {
        return burst(caller, args.concurrency).await;
    }
    // Correctness before timing: one call must give the expected answer.
    caller
        .call()
        .await
        .context("the first call did not give the expected answer")?;
    let mode = format!("w1:{}", args.mode.name());
    let warm = Load {
        concurrency: args.concurrency,
        duration: Some(args.warmup),
        requests: None,
    };
    let warmed = drive(&mode, warm, |_, stop| worker(caller.clone(), stop)).await?;
    let load = Load {
        concurrency: args.concurrency,
        duration: Some(args.duration),
        requests: None,
    };
    let mut result = drive(&mode, load, |_, stop| worker(caller.clone(), stop)).await?;
    result.errors += warmed.errors;
    if result.first_error.is_none() {
        result.first_error = warmed.first_error;
    }
    // The first check call, the warm-up and the window: what the upstream must have seen
    // (with the cache on, only the first call reaches it; the harness knows).
    result.requests_total += warmed.requests_total + 1;
    Ok(result)
}

/// W5 coalescing: `n` identical calls on a cold cache, released together; every one must
/// give the right answer. The harness reads the upstream's counter to see how many got
/// through (one, when misses coalesce).
async fn burst(
    caller: Arc<Caller>,
    n: usize,
) -> anyhow::Result<switchboard_bench::result::RunResult> {
    let gate = Arc::new(tokio::sync::Barrier::new(n));
    let load = Load {
        concurrency: n,
        duration: None,
        requests: Some(n as u64),
    };
    drive("w1:coalesce", load, |_, stop| {
        let (caller, gate) = (caller.clone(), gate.clone());
        async move {
            gate.wait().await;
            worker(caller, stop).await
        }
    })
    .await
}

async fn worker(caller: Arc<Caller>, stop: Arc<Stop>) -> WorkerOut {
    let mut out = WorkerOut::default();
    while stop.next() {
        let started = Instant::now();
        match caller.call().await {
            Ok(()) => out.ok(started.elapsed()),
            Err(e) => out.fail(format!("{e:#}")),
        }
    }
    out
}
